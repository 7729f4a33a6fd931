#pragma once
/// health-monitor's own configuration keys (README.md "Configuration"): declared once, read and
/// validated into one plain struct at startup. Every window, queue and history has a cap here.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/kafka/lag_rules.hpp"
#include "cosmic/kafka/lag_time.hpp"
#include "cosmic/service/config.hpp"

namespace cosmic::health {

/// The HTTP port deploy/, compose and k8s/base/health-monitor expect.
inline constexpr std::int64_t kDefaultHttpPort = 8085;
/// The service's consumer group (DESIGN.md §1); health-monitor uses it as its leadership group.
inline constexpr const char* kDefaultGroupId = "system-health-consumer-group";

/// A consumer group to watch and the topics whose partitions it is judged on.
struct GroupTarget {
    std::string group;
    std::vector<std::string> topics;
    friend bool operator==(const GroupTarget&, const GroupTarget&) = default;
};

/// Parses one `groups.monitored` entry: "group" (one of the suite's five groups, whose topics are
/// known) or "group:topic[:topic...]". nullopt when the group is unknown and names no topic.
std::optional<GroupTarget> ParseGroupTarget(const std::string& entry);

/// The suite's five groups (DESIGN.md §1) with their input topics.
std::vector<GroupTarget> DefaultGroupTargets();

struct ComponentSettings {
    std::chrono::milliseconds stale_after{30'000};
    /// A DOWN instance is forgotten after this when another instance of its service is up (it was
    /// replaced, e.g. by a rollout); the last instance of a service is never forgotten.
    std::chrono::milliseconds forget_after{3'600'000};
    /// Services that must be present: one that never sent a heartbeat is DOWN.
    std::vector<std::string> expected;
    std::size_t max_instances = 512;
    /// Heartbeats per instance kept for rates and the error ratio.
    std::size_t rate_window = 6;
    /// Fewer outcomes than this in the window give no error ratio (too little to judge).
    std::uint64_t error_ratio_min_events = 20;
};

struct LagSettings {
    kafka::LagWindowOptions window;
    std::size_t lookup_points = kafka::LookupTable::kDefaultCapacity;
    kafka::AbsoluteThresholds thresholds;
    /// Lag samples per partition kept for the status page's sparklines.
    std::size_t sparkline_points = 30;
    /// Consecutive failed reads before a group is ERR (one failure keeps its last status, marked
    /// with the error: a single timeout during a leader election is not an outage).
    int failed_reads_to_err = 2;
};

struct ClusterSettings {
    std::chrono::milliseconds poll_interval{30'000};
    /// Brokers the cluster should have; 0 = the most ever seen.
    int expected_brokers = 3;
    std::chrono::milliseconds probe_timeout{3'000};
    std::chrono::milliseconds dlq_window{600'000};
    /// A `.dlq` topic growing by more than this within dlq_window alerts.
    std::int64_t dlq_growth_threshold = 0;
};

struct AlertSettings {
    std::chrono::milliseconds evaluate_interval{5'000};
    /// A condition must hold this long before its alert fires (0 = at the first evaluation).
    std::chrono::milliseconds fire_after{0};
    /// A firing alert resolves only after its condition stayed clear this long.
    std::chrono::milliseconds resolve_after{60'000};
    /// A firing threshold alert clears only below threshold * (1 - hysteresis).
    double hysteresis = 0.2;
    double error_ratio = 0.05;
    std::size_t history = 500;
    std::size_t max_active = 1000;
    std::vector<std::string> notify_users{"admin"};
    std::string runbook_base_url;
    std::string external_url;
    std::string receiver = "health-monitor";
};

struct WebhookSettings {
    std::string url;
    std::size_t queue_max = 1000;
    std::chrono::milliseconds timeout{5'000};
    int max_attempts = 8;
    std::chrono::milliseconds backoff_base{1'000};
    std::chrono::milliseconds backoff_max{60'000};
};

struct HealthSettings {
    ComponentSettings components;
    std::int64_t replay_records = 1000;
    std::vector<GroupTarget> groups;
    std::chrono::milliseconds groups_poll_interval{30'000};
    std::chrono::milliseconds groups_read_timeout{5'000};
    /// Read committed offsets with the Admin API (ListConsumerGroupOffsets) instead of a
    /// short-lived consumer's committed() query.
    bool groups_admin_api = false;
    LagSettings lag;
    ClusterSettings cluster;
    AlertSettings alerts;
    WebhookSettings webhook;
    /// Leadership follows partition 0 of system-health in consumer.group_id; off = always leader.
    bool ha = true;
    std::string leader_group;
    std::size_t websocket_max_per_user = 8;  ///< open /ws/health connections per user
};

/// Declares the keys and sets the kit's defaults (http.port, consumer.group_id).
void DeclareHealthConfig(service::ConfigSchema& schema);
/// Reads and cross-validates the keys; throws service::ConfigError naming the key.
HealthSettings LoadHealthSettings(const service::Config& config);

}  // namespace cosmic::health
