#include "cosmic/schema/event.hpp"

#include <algorithm>

#include "cosmic/schema/fields.hpp"

namespace cosmic::schema {
namespace {

template <typename E>
std::optional<E> Lookup(std::span<const std::string_view> names, std::string_view text) noexcept {
    const auto it = std::find(names.begin(), names.end(), text);
    if (it == names.end()) {
        return std::nullopt;
    }
    return static_cast<E>(it - names.begin());
}

}  // namespace

std::string_view ToString(AuditAction action) noexcept { return AuditActionNames()[static_cast<std::size_t>(action)]; }
std::string_view ToString(Channel channel) noexcept { return ChannelNames()[static_cast<std::size_t>(channel)]; }
std::string_view ToString(HealthStatus status) noexcept {
    return HealthStatusNames()[static_cast<std::size_t>(status)];
}

std::optional<AuditAction> ParseAuditAction(std::string_view text) noexcept {
    return Lookup<AuditAction>(AuditActionNames(), text);
}
std::optional<Channel> ParseChannel(std::string_view text) noexcept { return Lookup<Channel>(ChannelNames(), text); }
std::optional<HealthStatus> ParseHealthStatus(std::string_view text) noexcept {
    return Lookup<HealthStatus>(HealthStatusNames(), text);
}

std::string_view Event::Key() const noexcept {
    switch (Spec(topic).key_field) {
        case KeyField::kJobId:
            return job_id;
        case KeyField::kUserId:
            return user_id;
        case KeyField::kResourceId:
            return resource_id;
        case KeyField::kComponentId:
            return component_id;
    }
    return {};
}

void Event::Clear() noexcept {
    // clear() keeps each string's capacity, which is the point of reusing one Event per parser.
    topic = TopicId::kJobLifecycle;
    event_id.clear();
    event_type.clear();
    schema_version = kSchemaVersion;
    occurred_at.clear();
    occurred_at_ms = 0;
    source.clear();
    correlation_id.clear();
    user_id.clear();
    job_id.clear();
    channel = Channel::kInApp;
    resource_id.clear();
    action = AuditAction::kStateChange;
    component_id.clear();
    status = HealthStatus::kHealthy;
    metrics.assign("{}");
    payload.assign("{}");
    sample.cpu_percent = 0;
    sample.memory_mb = 0;
    sample.io_read_mb = 0;
    sample.io_write_mb = 0;
    sample.execution_time_ms = 0;
    sample.sampled_at.clear();
    execution_time_ms.reset();
    error.clear();
    error_code.clear();
    reason.clear();
}

Event NewEvent(TopicId topic, std::string_view event_type, std::string_view source) {
    Event event;
    event.topic = topic;
    event.event_id = NewUuid();
    event.event_type.assign(event_type);
    event.occurred_at_ms = NowEpochMs();
    event.occurred_at = FormatTimestamp(event.occurred_at_ms);
    event.source.assign(source);
    if (topic == TopicId::kAuditTrail) {
        // Keep action consistent with the event_type the caller chose, as the parser requires.
        for (std::size_t i = 0; i < AuditActionNames().size(); ++i) {
            const auto action = static_cast<AuditAction>(i);
            if (AuditEventType(action) == event_type) {
                event.action = action;
            }
        }
    }
    return event;
}

}  // namespace cosmic::schema
