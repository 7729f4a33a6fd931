#pragma once
/// The cluster as health-monitor judges it (DESIGN.md §7): brokers present and reachable against
/// the expected count, under-replicated and offline partitions per topic of the topic table,
/// topics missing or drifted from the table, and the growth of every `.dlq` topic. Pure: the
/// observation comes from ClusterProbe (or a test); no client, no clock.

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "cosmic/health_monitor/health_config.hpp"
#include "cosmic/health_monitor/health_model.hpp"
#include "cosmic/kafka/admin.hpp"

namespace cosmic::health {

/// One look at the cluster.
struct ClusterObservation {
    bool metadata_ok = false;
    std::string error;
    /// Brokers named by the metadata, with the probe's verdict.
    std::vector<BrokerView> brokers;
    /// Every topic the metadata names (internal ones left out), configs when the cluster answered.
    std::vector<kafka::ObservedTopic> topics;
    /// Sum of high watermarks per topic, for topics whose every partition was read.
    std::map<std::string, std::int64_t> end_offsets;
};

class ClusterMonitor {
  public:
    explicit ClusterMonitor(ClusterSettings settings);

    /// Judges `observation` made at `now_ms`. Called by one thread.
    void Observe(const ClusterObservation& observation, std::int64_t now_ms);

    /// The view after the last observation (status UNKNOWN before the first).
    ClusterView View() const;

  private:
    struct DlqSample {
        std::int64_t at_ms;
        std::int64_t end_offset;
    };
    std::optional<std::int64_t> TrackDlq(const std::string& topic, std::int64_t end_offset, std::int64_t now_ms);

    ClusterSettings settings_;
    int most_brokers_seen_ = 0;
    std::map<std::string, std::deque<DlqSample>> dlq_samples_;
    std::uint64_t polls_ = 0;

    mutable std::mutex mutex_;
    ClusterView view_;
};

}  // namespace cosmic::health
