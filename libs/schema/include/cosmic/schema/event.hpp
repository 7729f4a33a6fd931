#pragma once
/// The envelope (DESIGN.md §5) as one reusable struct: a parser fills it in place so the hot
/// path reuses the strings' capacity instead of allocating per message.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/schema/topics.hpp"

namespace cosmic::schema {

inline constexpr int kSchemaVersion = 1;

/// The largest execution_time_ms accepted (a year): a bigger value is a mistake, loses precision
/// in JSON readers that use doubles, and overflows the sums built from it.
inline constexpr std::int64_t kMaxExecutionTimeMs = std::int64_t{365} * 24 * 60 * 60 * 1000;
/// The largest cpu_percent, memory_mb, io_read_mb or io_write_mb accepted: finite values near
/// the top of the double range add up to infinity, which turns an average into null.
inline constexpr double kMaxMetricValue = 1e12;

enum class AuditAction : std::uint8_t { kCreate, kUpdate, kDelete, kStateChange, kAccess, kAlert };
enum class Channel : std::uint8_t { kEmail, kInApp, kWebsocket, kWebhook };
enum class HealthStatus : std::uint8_t { kHealthy, kDegraded, kUnhealthy };

/// "CREATE", "STATE_CHANGE", ...; `audit.<lower case>` is the matching event_type.
std::string_view ToString(AuditAction action) noexcept;
std::string_view ToString(Channel channel) noexcept;      ///< "email", "in_app", ...
std::string_view ToString(HealthStatus status) noexcept;  ///< "HEALTHY", ...
std::optional<AuditAction> ParseAuditAction(std::string_view text) noexcept;
std::optional<Channel> ParseChannel(std::string_view text) noexcept;
std::optional<HealthStatus> ParseHealthStatus(std::string_view text) noexcept;
/// The audit-trail event_type that goes with an action: "audit.state_change" for kStateChange.
std::string_view AuditEventType(AuditAction action) noexcept;

/// job.metrics payload.
struct MetricsSample {
    double cpu_percent = 0;
    double memory_mb = 0;
    double io_read_mb = 0;
    double io_write_mb = 0;
    std::int64_t execution_time_ms = 0;
    std::string sampled_at;  ///< RFC 3339 UTC
};

struct Event {
    TopicId topic = TopicId::kJobLifecycle;

    // Envelope (every topic).
    std::string event_id;  ///< UUID
    std::string event_type;
    int schema_version = kSchemaVersion;
    std::string occurred_at;          ///< RFC 3339 UTC with milliseconds, as on the wire
    std::int64_t occurred_at_ms = 0;  ///< occurred_at as Unix epoch milliseconds
    std::string source;
    std::string correlation_id;
    std::string user_id;  ///< may be empty for system events

    // Topic-specific top-level fields.
    std::string job_id;                              ///< job topics; audit-trail: optional, the job acted on
    Channel channel = Channel::kInApp;               ///< notifications
    std::string resource_id;                         ///< audit-trail
    AuditAction action = AuditAction::kStateChange;  ///< audit-trail
    std::string component_id;                        ///< system-health
    HealthStatus status = HealthStatus::kHealthy;    ///< system-health
    std::string metrics = "{}";                      ///< system-health: JSON object text

    /// The payload object as JSON text (minified on parse; written verbatim on serialize).
    std::string payload = "{}";

    // Typed payload fields, filled by the parser for the event types that define them.
    MetricsSample sample;                           ///< job.metrics
    std::optional<std::int64_t> execution_time_ms;  ///< job.completed (required), others optional
    std::string error;                              ///< job.failed
    std::string error_code;                         ///< job.failed (optional)
    std::string reason;                             ///< job.cancelled

    /// The value of the topic's key field (job_id, user_id, resource_id or component_id).
    std::string_view Key() const noexcept;
    /// Resets every field to its default but keeps string capacity.
    void Clear() noexcept;
};

/// A fresh event: random UUID v4 event_id, occurred_at = now, schema_version, source.
Event NewEvent(TopicId topic, std::string_view event_type, std::string_view source);

/// Random (v4) UUID in canonical lower-case form.
std::string NewUuid();
/// RFC 3339 UTC with milliseconds: 2026-01-02T03:04:05.678Z. Clamped to years 0000-9999.
std::string FormatTimestamp(std::int64_t epoch_ms);
/// Appends the FormatTimestamp text to `out` (no allocation when `out` has capacity).
void AppendTimestamp(std::int64_t epoch_ms, std::string& out);
std::int64_t NowEpochMs() noexcept;
/// A wall clock in ms since the epoch. Each service has one (service::Kit::Clock) and hands it
/// to everything that stamps or ages data, so a test can move time for all of them at once.
using EpochClock = std::function<std::int64_t()>;
/// Parses RFC 3339 (Z or ±hh:mm offset, optional fraction); nullopt when invalid (including dates
/// that do not exist, such as 2026-02-30). Offsets are converted to UTC; the fraction is truncated to
/// milliseconds; a leap second (:60) is accepted at minute 59 and counted as the next second.
std::optional<std::int64_t> ParseTimestamp(std::string_view text) noexcept;

}  // namespace cosmic::schema
