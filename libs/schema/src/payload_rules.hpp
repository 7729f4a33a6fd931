#pragma once
/// What the parser saw of the payload's known top-level fields, and the per-event-type rules over it.
/// The parser records facts in one pass (the payload may precede event_type on the wire) and the
/// rules run once the whole envelope is known.

#include <cstdint>
#include <optional>
#include <string>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"

namespace cosmic::schema::detail {

/// Payload fields some event type gives meaning to.
enum class PayloadKey : std::uint8_t {
    kNone,
    kCpuPercent,
    kMemoryMb,
    kIoReadMb,
    kIoWriteMb,
    kExecutionTimeMs,
    kSampledAt,
    kError,
    kErrorCode,
    kReason,
    kStatus,
    kName,
    kKind,
    kJobId,  ///< audit-trail: the job an audited action concerns, when the envelope has none
};

PayloadKey ClassifyPayloadKey(std::string_view key) noexcept;

/// The JSON kind a payload field had, as far as the rules care.
enum class ValueKind : std::uint8_t { kAbsent, kString, kInteger, kNumber, kOther };

struct PayloadFacts {
    static constexpr std::size_t kKeys = 14;
    ValueKind kind[kKeys] = {};
    bool duplicate[kKeys] = {};
    bool finite[kKeys] = {};           ///< numbers: representable as a finite double
    double number[kKeys] = {};         ///< numbers (integers too)
    std::int64_t integer[kKeys] = {};  ///< kInteger: the value
    // Strings the rules need but Event has no field for.
    std::string status;
    std::string name;
    std::string kind_text;
    std::string job_id;

    void Reset() noexcept;
    ValueKind Kind(PayloadKey key) const noexcept { return kind[static_cast<std::size_t>(key)]; }
};

/// Applies the payload rules of `event.event_type` to `facts`, fills the typed fields of `event`
/// (sample, execution_time_ms, error, ...) that the type defines and clears the others.
std::optional<Violation> CheckPayload(const PayloadFacts& facts, Event& event);

}  // namespace cosmic::schema::detail
