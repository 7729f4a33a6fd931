#pragma once
/// Components as their heartbeats describe them (system-health, DESIGN.md §7). Each instance is
/// tracked on its own and folded per service; an instance whose heartbeats stop for stale_after
/// is DOWN. Bounded: at most components.max_instances instances, rate_window heartbeats each.
/// Thread-safe: the heartbeat reader records, the evaluator reads.

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/health_monitor/health_config.hpp"
#include "cosmic/health_monitor/health_model.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::health {

/// One heartbeat's numbers (kit.cpp HeartbeatJson). Every field but service/instance may be
/// missing from an older sender.
struct HeartbeatData {
    std::string service;
    std::string instance;
    std::string version;
    ComponentStatus reported = ComponentStatus::kHealthy;
    std::int64_t occurred_at_ms = 0;
    std::optional<std::int64_t> uptime_s;
    bool consumer_ready = true;
    std::optional<std::int64_t> consumer_lag;
    double processed_per_second = 0;
    std::optional<std::uint64_t> handled;
    std::optional<std::uint64_t> failed;
    std::optional<std::uint64_t> dead_lettered;
    std::optional<std::uint64_t> retried;
    /// health-monitor's own heartbeats: its role and the fingerprints of the alerts it announced
    /// as firing (how a new leader knows what was already sent).
    std::string role;
    std::optional<std::vector<std::string>> alerts_notified;
    /// A health.report (health-monitor's announcement of what it sent), not a heartbeat: it
    /// updates the announcement only, never the instance's liveness or counters.
    bool report = false;
};

/// Reads system-health events into HeartbeatData. One per thread (reuses a JSON parser).
class HeartbeatParser {
  public:
    HeartbeatParser();
    ~HeartbeatParser();
    HeartbeatParser(const HeartbeatParser&) = delete;
    HeartbeatParser& operator=(const HeartbeatParser&) = delete;
    /// nullopt (and `error`) when the metrics object is not JSON or names no component.
    std::optional<HeartbeatData> Parse(const schema::Event& event, std::string& error);

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

/// The newest heartbeat of a health-monitor leader (for a leadership handover).
struct LeaderAnnouncement {
    std::string instance;
    std::int64_t occurred_at_ms = 0;
    std::vector<std::string> alerts_notified;
};

class ComponentRegistry {
  public:
    enum class Recorded { kAccepted, kOutOfOrder, kExpired, kCapacity };

    explicit ComponentRegistry(ComponentSettings settings);

    /// Stores a heartbeat received at `now_ms`. Older than the instance's newest: ignored; older
    /// than forget_after (a replayed heartbeat of a long-gone instance): ignored; a new instance
    /// beyond max_instances: ignored and counted.
    Recorded Record(const HeartbeatData& heartbeat, std::int64_t now_ms);

    /// Every service (expected ones included) at `now_ms`, sorted by name; forgets replaced
    /// instances that have been DOWN for forget_after.
    std::vector<ServiceView> Evaluate(std::int64_t now_ms);

    /// The newest announcement made by a health-monitor instance in the leader role.
    std::optional<LeaderAnnouncement> LatestLeader() const;

    std::size_t InstanceCount() const;
    std::uint64_t RejectedForCapacity() const;

  private:
    struct Sample {
        std::int64_t at_ms;
        std::uint64_t handled;
        std::uint64_t failed;
        std::uint64_t dead_lettered;
    };
    struct Instance {
        HeartbeatData last;
        std::deque<Sample> window;
    };
    using Key = std::pair<std::string, std::string>;  // service, instance

    InstanceView View(const Instance& instance, std::int64_t now_ms, std::uint64_t& window_errors,
                      std::uint64_t& window_handled) const;

    ComponentSettings settings_;
    mutable std::mutex mutex_;
    std::map<Key, Instance> instances_;
    /// health-monitor instances' newest announcements (role + notified), by instance.
    std::map<std::string, std::pair<std::string, LeaderAnnouncement>> announcements_;
    std::uint64_t rejected_for_capacity_ = 0;
};

}  // namespace cosmic::health
