#pragma once
// Consumer lag from librdkafka's statistics: a cosmic_consumer_lag_messages gauge per owned
// partition and the snapshot Runner::Lag() returns.
//
// OnStats, Remove, RemoveAll and Retain run on the consumer thread (its poll serves the
// statistics callback); Snapshot and Clear on any thread, under the reporter's own mutex (taken
// once per statistics interval and per rebalance, never per record).

#include <prometheus/family.h>
#include <prometheus/gauge.h>

#include <cstdint>
#include <mutex>
#include <set>
#include <string_view>
#include <vector>

#include "cosmic/kafka/runner.hpp"
#include "cosmic/kafka/stats.hpp"
#include "runner_partitions.hpp"
#include "runner_types.hpp"

namespace cosmic::kafka::runner_detail {

class LagReporter {
  public:
    /// All three must outlive the reporter.
    LagReporter(prometheus::Family<prometheus::Gauge>& family, const TopicTable& topics,
                const PartitionTable& partitions);

    /// A statistics JSON: gauges and snapshot for the partitions assigned now (librdkafka still
    /// reports partitions it knew before a revoke).
    void OnStats(std::string_view json);
    /// A partition is no longer ours: its gauge goes.
    void Remove(PartitionKey key);
    void RemoveAll();
    /// Drops the snapshot's partitions that are not in `assignment` (sorted).
    void Retain(const std::vector<TopicPartition>& assignment);
    void Clear();
    LagSnapshot Snapshot() const;

  private:
    prometheus::Family<prometheus::Gauge>& family_;
    const TopicTable& topics_;
    const PartitionTable& partitions_;
    std::set<PartitionKey> gauges_;  ///< consumer thread: the partitions with a gauge

    mutable std::mutex mutex_;
    LagSnapshot snapshot_;  ///< under mutex_
};

}  // namespace cosmic::kafka::runner_detail
