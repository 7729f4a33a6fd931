// Parts of the runner that need no broker: the partition table's intake rules and assignment
// snapshot, and the lag reporter's gauges and snapshot.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../../src/runner_lag.hpp"
#include "../../src/runner_partitions.hpp"

namespace cosmic::kafka::runner_detail {
namespace {

// librdkafka's statistics, trimmed: job-lifecycle 0 lags 12, 1 is unknown (-1), audit-trail 4 is 0.
constexpr std::string_view kStats = R"({
  "name": "rdkafka#consumer-1", "type": "consumer",
  "topics": {
    "job-lifecycle": {"topic": "job-lifecycle", "partitions": {
      "0": {"partition": 0, "consumer_lag": 12},
      "1": {"partition": 1, "consumer_lag": -1}
    }},
    "audit-trail": {"topic": "audit-trail", "partitions": {
      "4": {"partition": 4, "consumer_lag": 0}
    }}
  }
})";

constexpr std::size_t kLifecycle = 0;

class RunnerPartsTest : public ::testing::Test {
  protected:
    void Assign(const std::vector<std::pair<std::string, std::int32_t>>& assigned) {
        PartitionList list = NewPartitionList(static_cast<int>(assigned.size()));
        for (const auto& [topic, partition] : assigned) {
            rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition);
        }
        partitions_.Assign(*list);
    }

    /// The lag gauge of a job-lifecycle partition, -1 when there is none.
    double LagGauge(std::int32_t partition) {
        for (const auto& family : registry_.Collect()) {
            if (family.name != "cosmic_consumer_lag_messages") continue;
            for (const auto& metric : family.metric) {
                bool topic = false;
                bool matches = false;
                for (const auto& label : metric.label) {
                    topic = topic || (label.name == "topic" && label.value == "job-lifecycle");
                    matches = matches || (label.name == "partition" && label.value == std::to_string(partition));
                }
                if (topic && matches) return metric.gauge.value;
            }
        }
        return -1;
    }

    prometheus::Registry registry_;
    RunnerFamilies families_{registry_};
    TopicTable topics_{{"job-lifecycle", "audit-trail"}, families_};
    std::string name_ = "parts-test";
    PartitionTable partitions_{topics_, name_};
};

TEST_F(RunnerPartsTest, TakesRecordsOfAssignedPartitionsInOffsetOrderOnly) {
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 0), Admission::kNotAssigned);
    Assign({{"job-lifecycle", 3}, {"not-consumed", 3}});
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 5), Admission::kTake);
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 5), Admission::kStale) << "a copy from before a seek";
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 4), Admission::kStale);
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 6), Admission::kTake);
    EXPECT_EQ(partitions_.Admit(kLifecycle, 2, 0), Admission::kNotAssigned);
    EXPECT_EQ(partitions_.Admit(kLifecycle + 1, 3, 0), Admission::kNotAssigned) << "same partition, other topic";
    EXPECT_TRUE(partitions_.Assigned({kLifecycle, 3}));

    partitions_.Forget({kLifecycle, 3});
    EXPECT_FALSE(partitions_.Assigned({kLifecycle, 3}));
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 7), Admission::kNotAssigned) << "revoked";
    Assign({{"job-lifecycle", 3}});
    EXPECT_EQ(partitions_.Admit(kLifecycle, 3, 0), Admission::kTake) << "a new assignment starts afresh";
}

TEST_F(RunnerPartsTest, PublishesTheAssignmentSortedForOtherThreads) {
    Assign({{"job-lifecycle", 2}, {"audit-trail", 4}, {"job-lifecycle", 0}});
    EXPECT_TRUE(partitions_.Assignment().empty()) << "not published yet";
    const std::vector<TopicPartition> expected{{"audit-trail", 4}, {"job-lifecycle", 0}, {"job-lifecycle", 2}};
    EXPECT_EQ(partitions_.Publish(), expected);
    EXPECT_EQ(partitions_.Assignment(), expected);
    EXPECT_EQ(partitions_.StoredOffsets()->cnt, 0) << "nothing stored, nothing to commit";
    partitions_.ClearAssignment();
    EXPECT_TRUE(partitions_.Assignment().empty());
}

TEST_F(RunnerPartsTest, LagCoversOwnedPartitionsOnlyAndTheirGaugesLeaveWithThem) {
    Assign({{"job-lifecycle", 0}, {"job-lifecycle", 1}});
    partitions_.Publish();
    LagReporter lag(families_.lag, topics_, partitions_);
    EXPECT_FALSE(lag.Snapshot().known);

    lag.OnStats(kStats);
    LagSnapshot snapshot = lag.Snapshot();
    EXPECT_TRUE(snapshot.known);
    EXPECT_EQ(snapshot.total, 12);
    EXPECT_EQ(snapshot.partitions, (std::vector<ConsumerLag>{{"job-lifecycle", 0, 12}}))
        << "unknown lag and partitions of other members are left out";
    EXPECT_EQ(LagGauge(0), 12);

    partitions_.Forget({kLifecycle, 0});
    lag.Remove({kLifecycle, 0});
    lag.Retain(partitions_.Publish());
    EXPECT_EQ(LagGauge(0), -1) << "the gauge of a revoked partition is removed";
    snapshot = lag.Snapshot();
    EXPECT_TRUE(snapshot.partitions.empty());
    EXPECT_EQ(snapshot.total, 0);

    lag.OnStats("not statistics");
    EXPECT_TRUE(lag.Snapshot().known) << "garbage leaves the last snapshot alone";
    lag.Clear();
    EXPECT_FALSE(lag.Snapshot().known);
}

}  // namespace
}  // namespace cosmic::kafka::runner_detail
