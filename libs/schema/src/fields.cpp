#include "cosmic/schema/fields.hpp"

#include <algorithm>
#include <array>

namespace cosmic::schema {
namespace {

constexpr std::array<std::string_view, 4> kChannels = {"email", "in_app", "websocket", "webhook"};
constexpr std::array<std::string_view, 6> kActions = {"CREATE", "UPDATE", "DELETE", "STATE_CHANGE", "ACCESS", "ALERT"};
constexpr std::array<std::string_view, 3> kStatuses = {"HEALTHY", "DEGRADED", "UNHEALTHY"};

constexpr std::span<const std::string_view> kNoSymbols{};

constexpr FieldSpec Field(std::string_view name, FieldType type, bool required, bool non_empty,
                          std::span<const std::string_view> symbols = kNoSymbols) {
    return FieldSpec{name, type, required, non_empty, symbols};
}

// The envelope every topic starts with; user_id is optional except on notifications.
std::array<FieldSpec, 7> Envelope(TopicId topic, bool user_required) noexcept {
    return {
        Field("event_id", FieldType::kUuid, true, true),
        Field("event_type", FieldType::kEnum, true, true, Spec(topic).event_types),
        Field("schema_version", FieldType::kInt, true, false),
        Field("occurred_at", FieldType::kTimestamp, true, true),
        Field("source", FieldType::kString, true, true),
        Field("correlation_id", FieldType::kString, true, false),
        Field("user_id", FieldType::kString, user_required, user_required),
    };
}

template <std::size_t N>
std::array<FieldSpec, 7 + N> Table(TopicId topic, bool user_required, const std::array<FieldSpec, N>& specific) {
    std::array<FieldSpec, 7 + N> table{};
    const auto envelope = Envelope(topic, user_required);
    std::copy(envelope.begin(), envelope.end(), table.begin());
    std::copy(specific.begin(), specific.end(), table.begin() + 7);
    return table;
}

constexpr FieldSpec kPayload = Field("payload", FieldType::kObject, true, false);
constexpr FieldSpec kJobId = Field("job_id", FieldType::kString, true, true);

}  // namespace

std::span<const FieldSpec> TopLevelFields(TopicId topic) noexcept {
    // Function-local statics: safe to call during other translation units' static initialization.
    switch (topic) {
        case TopicId::kJobLifecycle: {
            static const auto table = Table(topic, false, std::array{kJobId, kPayload});
            return table;
        }
        case TopicId::kJobMetrics: {
            static const auto table = Table(topic, false, std::array{kJobId, kPayload});
            return table;
        }
        case TopicId::kNotifications: {
            static const auto table =
                Table(topic, true, std::array{Field("channel", FieldType::kEnum, true, true, kChannels), kPayload});
            return table;
        }
        case TopicId::kAuditTrail: {
            static const auto table = Table(topic, false,
                                            std::array{Field("resource_id", FieldType::kString, true, true),
                                                       Field("action", FieldType::kEnum, true, true, kActions),
                                                       Field("job_id", FieldType::kString, false, false), kPayload});
            return table;
        }
        case TopicId::kSystemHealth: {
            static const auto table = Table(topic, false,
                                            std::array{Field("component_id", FieldType::kString, true, true),
                                                       Field("status", FieldType::kEnum, true, true, kStatuses),
                                                       Field("metrics", FieldType::kObject, true, false), kPayload});
            return table;
        }
        case TopicId::kJobCommands: {
            static const auto table = Table(topic, false, std::array{kJobId, kPayload});
            return table;
        }
    }
    return {};
}

std::span<const std::string_view> ChannelNames() noexcept { return kChannels; }
std::span<const std::string_view> AuditActionNames() noexcept { return kActions; }
std::span<const std::string_view> HealthStatusNames() noexcept { return kStatuses; }

}  // namespace cosmic::schema
