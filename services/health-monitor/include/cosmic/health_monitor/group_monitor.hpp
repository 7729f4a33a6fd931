#pragma once
/// Consumer groups as an outside observer judges them (DESIGN.md §7): every poll reads each
/// group's committed offsets and the watermarks, feeds Burrow's window (kafka/lag_rules.hpp) and
/// kafka-lag-exporter's lag-in-seconds tables (kafka/lag_time.hpp), and keeps a view per group.
/// A group that cannot be read is ERR with the reason, never an exception.
///
/// Memory is fixed by the configuration: per monitored partition one Burrow window
/// (lag.intervals), one lookup table (lag.lookup_points, shared by the groups reading that
/// partition) and one sparkline (lag.sparkline_points).

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/health_monitor/health_config.hpp"
#include "cosmic/health_monitor/health_model.hpp"
#include "cosmic/kafka/group_lag.hpp"
#include "cosmic/kafka/lag_rules.hpp"
#include "cosmic/kafka/lag_time.hpp"

namespace cosmic::health {

/// Where lag snapshots come from (a GroupLagReader in production, a script in unit tests).
class GroupLagSource {
  public:
    virtual ~GroupLagSource() = default;
    /// Throws (kafka::GroupLagError or any std::exception) when the group cannot be read.
    virtual kafka::GroupLag Read(std::string_view group, const std::vector<std::string>& topics) = 0;
};

/// The production source over one long-lived client.
class KafkaGroupLagSource final : public GroupLagSource {
  public:
    KafkaGroupLagSource(const kafka::ClientConfig& client, std::chrono::milliseconds timeout, bool use_admin_api);
    kafka::GroupLag Read(std::string_view group, const std::vector<std::string>& topics) override;

  private:
    kafka::GroupLagReader reader_;
};

class GroupMonitor {
  public:
    /// Throws std::invalid_argument for impossible lag settings.
    GroupMonitor(std::vector<GroupTarget> targets, LagSettings settings);

    /// Reads every group once at `now_ms` and updates the views. Called by one thread. Stops
    /// between groups once `cancelled` returns true (a shutdown must not wait for every read).
    void Poll(GroupLagSource& source, std::int64_t now_ms, const std::function<bool()>& cancelled = {});

    /// The views after the last poll (every configured group, NOTFOUND before its first read).
    std::vector<GroupView> Views() const;

  private:
    using PartitionKey = std::pair<std::string, std::int32_t>;
    struct GroupState {
        GroupTarget target;
        kafka::GroupLagEvaluator evaluator;
        std::map<PartitionKey, std::deque<std::int64_t>> sparklines;
        int failed_reads = 0;
    };

    void PollGroup(GroupState& state, GroupView& view, GroupLagSource& source, std::int64_t now_ms);

    LagSettings settings_;
    std::vector<GroupState> groups_;
    std::map<PartitionKey, kafka::LookupTable> tables_;
    std::vector<GroupView> scratch_;

    mutable std::mutex mutex_;
    std::vector<GroupView> views_;
};

}  // namespace cosmic::health
