#pragma once
/// Turns rule conditions into alerts with a life: pending until the condition held for
/// fire_after, firing (deduplicated: one alert per id however often the rule reports it),
/// resolved once the condition stayed clear for resolve_after (a flapping condition keeps its
/// alert firing instead of firing it again). Resolved alerts go to a bounded history.
///
/// Delivery is separate from evaluation, so a follower replica evaluates the same alerts as the
/// leader without sending them: `notified` is the set of alerts announced as firing (by this
/// replica while it leads, or adopted from the leader's heartbeat while it follows), and
/// Reconcile() yields what has to be sent to make the world match the evaluation.
/// Not thread-safe: the evaluator thread owns it (the service copies views out for readers).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cosmic/health_monitor/alert.hpp"
#include "cosmic/health_monitor/health_config.hpp"

namespace cosmic::health {

class AlertEngine {
  public:
    explicit AlertEngine(AlertSettings settings);

    /// Applies one evaluation at `now_ms`; returns the alerts that fired or resolved in it.
    std::vector<AlertTransition> Evaluate(const std::vector<AlertCondition>& conditions, std::int64_t now_ms);

    /// Firing alerts, oldest first.
    std::vector<Alert> Firing() const;
    /// Resolved alerts, newest first, at most `limit`.
    std::vector<Alert> Resolved(std::size_t limit) const;
    std::size_t FiringCount(Severity severity) const;
    /// Conditions ignored because max_active alerts were already pending or firing.
    std::uint64_t Dropped() const { return dropped_; }

    /// What must be sent so that receivers know exactly the firing alerts: a firing transition
    /// for each firing alert not yet announced, a resolved one for each announced alert that no
    /// longer fires. Marks them announced / withdrawn. Call only on the leader.
    std::vector<AlertTransition> Reconcile(std::int64_t now_ms);
    /// Replaces the announced set (a follower adopting the leader's).
    void AdoptNotified(const std::vector<std::string>& fingerprints);
    /// Fingerprints announced as firing, sorted.
    std::vector<std::string> Notified() const;

  private:
    const Alert* FindKnown(const std::string& fingerprint) const;

    AlertSettings settings_;
    std::map<std::string, Alert> active_;  ///< pending and firing, by id
    std::deque<Alert> history_;            ///< resolved, newest at the back
    std::set<std::string> notified_;
    std::uint64_t dropped_ = 0;
};

}  // namespace cosmic::health
