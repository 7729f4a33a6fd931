#include "cosmic/schema/topics.hpp"

#include <algorithm>
#include <array>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {
namespace {

using std::chrono::hours;
constexpr hours Days(int days) { return hours(24 * days); }

constexpr std::array<std::string_view, 6> kJobLifecycleTypes = {"job.submitted", "job.queued", "job.running",
                                                                "job.completed", "job.failed", "job.cancelled"};
constexpr std::array<std::string_view, 1> kJobMetricsTypes = {"job.metrics"};
constexpr std::array<std::string_view, 2> kNotificationTypes = {"notification.sent", "notification.failed"};
// Same order as AuditAction, so AuditEventType(action) can index it.
constexpr std::array<std::string_view, 6> kAuditTypes = {"audit.create",       "audit.update", "audit.delete",
                                                         "audit.state_change", "audit.access", "audit.alert"};
constexpr std::array<std::string_view, 2> kHealthTypes = {"health.heartbeat", "health.report"};
constexpr std::array<std::string_view, 3> kCommandTypes = {"command.submit", "command.cancel", "command.report"};

// Indexed by TopicId.
constexpr std::array<TopicSpec, 6> kTopics = {{
    {TopicId::kJobLifecycle, "job-lifecycle", 10, Days(30), KeyField::kJobId, "job_id", "gzip", kJobLifecycleTypes,
     "job-lifecycle.avsc"},
    {TopicId::kJobMetrics, "job-metrics", 20, Days(30), KeyField::kJobId, "job_id", "lz4", kJobMetricsTypes,
     "job-metrics.avsc"},
    {TopicId::kNotifications, "notifications", 5, Days(7), KeyField::kUserId, "user_id", "lz4", kNotificationTypes,
     "notifications.avsc"},
    {TopicId::kAuditTrail, "audit-trail", 5, Days(90), KeyField::kResourceId, "resource_id", "gzip", kAuditTypes,
     "audit-trail.avsc"},
    {TopicId::kSystemHealth, "system-health", 3, Days(7), KeyField::kComponentId, "component_id", "lz4", kHealthTypes,
     "system-health.avsc"},
    {TopicId::kJobCommands, "job-commands", 10, Days(7), KeyField::kJobId, "job_id", "lz4", kCommandTypes,
     "job-commands.avsc"},
}};

}  // namespace

std::span<const TopicSpec> AllTopics() noexcept { return kTopics; }

const TopicSpec& Spec(TopicId id) noexcept { return kTopics[static_cast<std::size_t>(id)]; }

const TopicSpec* FindTopic(std::string_view name) noexcept {
    const auto* it = std::find_if(kTopics.begin(), kTopics.end(), [&](const TopicSpec& t) { return t.name == name; });
    return it == kTopics.end() ? nullptr : &*it;
}

std::string DlqTopicName(std::string_view topic) {
    std::string name;
    name.reserve(topic.size() + kDlqSuffix.size());
    name.append(topic).append(kDlqSuffix);
    return name;
}

bool IsDlqTopic(std::string_view name) noexcept {
    return name.size() > kDlqSuffix.size() && name.ends_with(kDlqSuffix);
}

std::string_view DlqSourceTopic(std::string_view name) noexcept {
    return IsDlqTopic(name) ? name.substr(0, name.size() - kDlqSuffix.size()) : name;
}

bool IsKnownEventType(const TopicSpec& spec, std::string_view event_type) noexcept {
    return std::find(spec.event_types.begin(), spec.event_types.end(), event_type) != spec.event_types.end();
}

std::string_view AuditEventType(AuditAction action) noexcept { return kAuditTypes[static_cast<std::size_t>(action)]; }

}  // namespace cosmic::schema
