#pragma once
/// The one topic table of the suite (DESIGN.md §4). The dev broker, `cosmicctl topics apply`,
/// the producers (key field, compression) and the deploy files all derive from it.

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace cosmic::schema {

enum class TopicId : std::uint8_t {
    kJobLifecycle,
    kJobMetrics,
    kNotifications,
    kAuditTrail,
    kSystemHealth,
    kJobCommands,
};

/// The envelope field whose value is the Kafka message key.
enum class KeyField : std::uint8_t { kJobId, kUserId, kResourceId, kComponentId };

struct TopicSpec {
    TopicId id;
    std::string_view name;
    int partitions;
    std::chrono::milliseconds retention;
    KeyField key_field;
    std::string_view key_field_name;  ///< "job_id", "user_id", ...
    std::string_view compression;     ///< librdkafka / Kafka `compression.type` value
    std::span<const std::string_view> event_types;
    std::string_view avro_file;  ///< file name under schemas/
};

inline constexpr std::string_view kDlqSuffix = ".dlq";
inline constexpr std::chrono::milliseconds kDlqRetention = std::chrono::hours(24 * 30);
inline constexpr int kProductionReplicationFactor = 3;
inline constexpr int kProductionMinInsyncReplicas = 2;

/// All six topics, in the order of DESIGN.md §4.
std::span<const TopicSpec> AllTopics() noexcept;
const TopicSpec& Spec(TopicId id) noexcept;
/// Looks a topic up by name; nullptr when it is not in the table. A `.dlq` name is not found here.
const TopicSpec* FindTopic(std::string_view name) noexcept;
/// "<topic>.dlq"
std::string DlqTopicName(std::string_view topic);
/// True when `name` ends in ".dlq".
bool IsDlqTopic(std::string_view name) noexcept;
/// The source topic of a dead-letter topic ("job-lifecycle.dlq" -> "job-lifecycle"); `name` itself when it is
/// not a DLQ name.
std::string_view DlqSourceTopic(std::string_view name) noexcept;
/// True when `event_type` is one of the topic's event types.
bool IsKnownEventType(const TopicSpec& spec, std::string_view event_type) noexcept;

/// Event names the original (NestJS/KafkaJS) publishers use, accepted on read so both systems can
/// run side by side during a migration: `job.metrics_recorded` on job-metrics is `job.metrics`;
/// `job.status.changed` on job-lifecycle is `job.<payload.status>` (the parser resolves it from
/// the payload and applies that type's rules). Events are always written with this suite's names.
inline constexpr std::string_view kLegacyMetricsRecorded = "job.metrics_recorded";
inline constexpr std::string_view kLegacyStatusChanged = "job.status.changed";

}  // namespace cosmic::schema
