#pragma once
/// The top-level fields of each topic's envelope as data: the parser's presence checks and the
/// test that keeps `schemas/*.avsc` in sync both read this table.

#include <cstdint>
#include <span>
#include <string_view>

#include "cosmic/schema/topics.hpp"

namespace cosmic::schema {

/// How a field is encoded in the JSON envelope (and modelled in the .avsc).
enum class FieldType : std::uint8_t {
    kString,     ///< JSON string; Avro "string"
    kUuid,       ///< JSON string in canonical UUID form; Avro string with logicalType "uuid"
    kTimestamp,  ///< JSON string, RFC 3339; Avro "string"
    kInt,        ///< JSON integer; Avro "int"
    kEnum,       ///< JSON string from `symbols`; Avro enum
    kObject,     ///< JSON object; Avro "string" holding the object's JSON text
};

struct FieldSpec {
    std::string_view name;
    FieldType type;
    bool required;                              ///< must be present on the wire (Avro: no default)
    bool non_empty;                             ///< a string that must not be empty
    std::span<const std::string_view> symbols;  ///< kEnum: the allowed wire values
};

/// Every top-level field of `topic`'s envelope in wire order: envelope fields, topic-specific
/// fields, then `payload`.
std::span<const FieldSpec> TopLevelFields(TopicId topic) noexcept;

/// Wire values of the enums, in enum order.
std::span<const std::string_view> ChannelNames() noexcept;       ///< email, in_app, websocket, webhook
std::span<const std::string_view> AuditActionNames() noexcept;   ///< CREATE, ..., ALERT
std::span<const std::string_view> HealthStatusNames() noexcept;  ///< HEALTHY, DEGRADED, UNHEALTHY

}  // namespace cosmic::schema
