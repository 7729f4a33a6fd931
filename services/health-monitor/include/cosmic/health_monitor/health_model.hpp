#pragma once
/// What health-monitor knows, as plain values: the registry, the group poller and the cluster
/// watcher each produce one of these views; the alert rules, the API, the status page and the
/// metrics read them. Copies, never shared mutable state.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/kafka/lag_rules.hpp"

namespace cosmic::health {

/// A component's (instance's or service's) state. Order = severity.
enum class ComponentStatus : std::uint8_t { kHealthy, kDegraded, kUnhealthy, kDown };
/// "HEALTHY", "DEGRADED", "UNHEALTHY", "DOWN".
std::string_view ToString(ComponentStatus status) noexcept;

struct InstanceView {
    std::string service;
    std::string instance;
    std::string version;
    /// What the instance itself reported in its last heartbeat (HEALTHY/DEGRADED/UNHEALTHY).
    ComponentStatus reported = ComponentStatus::kHealthy;
    /// `reported`, or DOWN when its heartbeats stopped.
    ComponentStatus status = ComponentStatus::kHealthy;
    std::int64_t last_seen_ms = 0;  ///< occurred_at of the newest heartbeat
    std::int64_t uptime_s = 0;
    bool consumer_ready = true;
    std::optional<std::int64_t> consumer_lag;
    double processed_per_second = 0;
    /// (failed + dead_lettered) / handled over the instance's window; nullopt below the minimum
    /// number of outcomes.
    std::optional<double> error_ratio;
    std::uint64_t handled = 0;
    std::uint64_t failed = 0;
    std::uint64_t dead_lettered = 0;
    std::uint64_t retried = 0;
    /// health-monitor instances only: "leader" / "follower".
    std::string role;
};

/// All instances of one service, folded.
struct ServiceView {
    std::string service;
    /// DOWN when no instance is up; UNHEALTHY when one is; DEGRADED when one is degraded or some
    /// (not all) are down; else HEALTHY.
    ComponentStatus status = ComponentStatus::kHealthy;
    int instances_up = 0;
    int instances_total = 0;
    double processed_per_second = 0;
    std::optional<double> error_ratio;
    std::uint64_t window_events = 0;  ///< outcomes the error ratio is over
    std::optional<std::int64_t> consumer_lag;
    std::int64_t last_seen_ms = 0;
    std::vector<InstanceView> instances;
};

struct PartitionView {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t committed = -1;
    std::int64_t high = 0;
    std::int64_t lag = 0;
    std::optional<double> lag_seconds;
    kafka::LagStatus status = kafka::LagStatus::kOk;
    /// Oldest first; at most lag.sparkline_points.
    std::vector<std::int64_t> lag_history;
};

struct GroupView {
    std::string group;
    std::vector<std::string> topics;
    /// Burrow group status (STOP/STALL/REWIND folded into ERR); ERR when the offsets cannot be read.
    kafka::LagStatus status = kafka::LagStatus::kNotFound;
    std::string error;  ///< why the last read failed (empty when it worked)
    double complete = 0;
    std::int64_t total_lag = 0;
    std::int64_t max_lag = 0;
    std::optional<double> max_lag_seconds;
    std::int64_t last_poll_ms = 0;
    std::uint64_t polls = 0;
    std::vector<PartitionView> partitions;
};

struct BrokerView {
    std::int32_t id = 0;
    std::string host;
    int port = 0;
    /// nullopt when it leads no partition to probe.
    std::optional<bool> reachable;
    std::string error;
};

struct TopicHealth {
    std::string topic;
    bool dlq = false;
    bool missing = false;
    int partitions = 0;
    int replication = 0;
    int under_replicated = 0;  ///< ISR smaller than the replica set
    int offline = 0;           ///< no leader (Kafka's offline partitions)
    /// Led by a broker that is in the metadata but failed its probe: unavailable to clients
    /// until the leader returns or the controller moves leadership.
    int leader_unreachable = 0;
    std::vector<std::string> drift;  ///< operator lines from the topic planner
    /// Sum of the partitions' high watermarks (records ever written); nullopt when unreadable.
    std::optional<std::int64_t> end_offset;
    /// `.dlq` topics: records added within dlq.window_ms; nullopt until two samples exist.
    std::optional<std::int64_t> growth;
};

struct ClusterView {
    /// "OK", "DEGRADED" (a broker missing or unreachable, under-replicated partitions, drift),
    /// "UNHEALTHY" (offline partitions, missing topics, no broker, metadata unreadable) or
    /// "UNKNOWN" before the first poll.
    std::string status = "UNKNOWN";
    bool metadata_ok = false;
    std::string error;
    int expected_brokers = 0;
    int brokers_in_metadata = 0;
    int brokers_available = 0;  ///< in the metadata and not failing their probe
    std::vector<BrokerView> brokers;
    std::vector<TopicHealth> topics;
    bool configs_known = false;
    std::string configs_error;
    std::int64_t last_poll_ms = 0;
    std::uint64_t polls = 0;
};

}  // namespace cosmic::health
