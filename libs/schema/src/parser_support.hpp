#pragma once
// The parser's envelope field ids, and its cold helpers (parser_support.cpp), kept out of the hot
// translation unit.

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "cosmic/schema/parser.hpp"

namespace cosmic::schema::parser_detail {

// Top-level envelope fields; the bit of each in a presence mask is its value.
enum class Top : std::uint8_t {
    kUnknown,
    kEventId,
    kEventType,
    kSchemaVersion,
    kOccurredAt,
    kSource,
    kCorrelationId,
    kUserId,
    kJobId,
    kChannel,
    kResourceId,
    kAction,
    kComponentId,
    kStatus,
    kMetrics,
    kPayload,
};

constexpr std::uint32_t Bit(Top top) noexcept { return 1U << static_cast<unsigned>(top); }

/// "a|b|c", for "must be one of" reasons.
std::string Join(std::span<const std::string_view> names);

/// JSON number grammar, for numbers simdjson cannot convert (integers beyond 64 bits, 1e999): they
/// are valid JSON and may pass through an unknown field or a payload unchanged.
bool IsJsonNumber(std::string_view text) noexcept;

/// The violation for a simdjson error met while reading `field` ("" for the document).
Violation JsonViolation(simdjson::error_code error, std::string_view field, std::size_t max_depth);

}  // namespace cosmic::schema::parser_detail
