// The group poller over a scripted lag source: Burrow's statuses as a consumer slows down and then
// stops while the producer continues, lag in seconds, unreadable groups, sparklines.

#include "cosmic/health_monitor/group_monitor.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cosmic::health {
namespace {

/// Partition 0 of one topic; the test moves `committed` and `high` between polls.
class ScriptedSource final : public GroupLagSource {
  public:
    kafka::GroupLag Read(std::string_view group, const std::vector<std::string>& topics) override {
        if (fail)
            throw kafka::GroupLagError(RD_KAFKA_RESP_ERR__TRANSPORT, "offsets of " + std::string(group) + ": down");
        kafka::GroupLag lag;
        lag.group = group;
        kafka::PartitionLag p;
        p.topic = topics.front();
        p.partition = 0;
        p.committed = committed;
        p.high = high;
        p.lag = kafka::ComputeLag(committed, 0, high);
        lag.partitions.push_back(p);
        return lag;
    }
    std::int64_t committed = 0;
    std::int64_t high = 0;
    bool fail = false;
};

LagSettings Settings() {
    LagSettings s;
    s.window.intervals = 4;
    s.window.min_distance_ms = 0;
    s.window.minimum_complete = 1.0;
    s.lookup_points = 10;
    s.sparkline_points = 5;
    return s;
}

constexpr std::int64_t kStart = 1'800'000'000'000;
constexpr std::int64_t kPoll = 30'000;

TEST(GroupMonitorTest, ASlowingThenStoppedConsumerGoesWarnThenErr) {
    GroupMonitor monitor({{"g", {"job-commands"}}}, Settings());
    ScriptedSource source;
    std::int64_t t = kStart;
    // Caught up for a full window: OK.
    for (int i = 0; i < 4; ++i, t += kPoll) {
        source.high += 10;
        source.committed = source.high;
        monitor.Poll(source, t);
    }
    EXPECT_EQ(monitor.Views()[0].status, kafka::LagStatus::kOk);
    // Advancing but falling behind for a full window: WARN.
    for (int i = 0; i < 4; ++i, t += kPoll) {
        source.high += 10;
        source.committed += 5;
        monitor.Poll(source, t);
    }
    EXPECT_EQ(monitor.Views()[0].status, kafka::LagStatus::kWarn);
    // Stopped while the producer continues: every stored offset equal -> STALL, folded into ERR.
    for (int i = 0; i < 4; ++i, t += kPoll) {
        source.high += 10;
        monitor.Poll(source, t);
    }
    const GroupView view = monitor.Views()[0];
    EXPECT_EQ(view.status, kafka::LagStatus::kErr);
    ASSERT_EQ(view.partitions.size(), 1U);
    EXPECT_EQ(view.partitions[0].status, kafka::LagStatus::kStall);
    EXPECT_EQ(view.partitions[0].lag, 60);
    EXPECT_EQ(view.max_lag, 60);
    EXPECT_EQ(view.polls, 12U);
    EXPECT_TRUE(view.error.empty());
    // The sparkline keeps the last 5 lags.
    EXPECT_EQ(view.partitions[0].lag_history, (std::vector<std::int64_t>{20, 30, 40, 50, 60}));
    // Lag in seconds: the committed offset (60) was the head 6 polls ago.
    ASSERT_TRUE(view.partitions[0].lag_seconds);
    EXPECT_DOUBLE_EQ(*view.partitions[0].lag_seconds, 6 * kPoll / 1000.0);
    ASSERT_TRUE(view.max_lag_seconds);
    EXPECT_DOUBLE_EQ(*view.max_lag_seconds, 180.0);
}

TEST(GroupMonitorTest, AGroupThatCannotBeReadIsErrWithTheReason) {
    GroupMonitor monitor({{"g", {"job-commands"}}, {"h", {"audit-trail"}}}, Settings());
    ScriptedSource source;
    source.fail = true;
    EXPECT_NO_THROW(monitor.Poll(source, kStart));
    for (const GroupView& view : monitor.Views()) {
        EXPECT_EQ(view.status, kafka::LagStatus::kNotFound) << "one failed read keeps the last status";
        EXPECT_NE(view.error.find("down"), std::string::npos);
    }
    monitor.Poll(source, kStart + kPoll);  // failed_reads_to_err = 2
    for (const GroupView& view : monitor.Views()) {
        EXPECT_EQ(view.status, kafka::LagStatus::kErr);
        EXPECT_NE(view.error.find("down"), std::string::npos);
        EXPECT_EQ(view.polls, 2U);
    }
    source.fail = false;
    monitor.Poll(source, kStart + 2 * kPoll);
    EXPECT_TRUE(monitor.Views()[0].error.empty());
    EXPECT_NE(monitor.Views()[0].status, kafka::LagStatus::kErr);
}

TEST(GroupMonitorTest, EveryConfiguredGroupHasAViewBeforeItsFirstPoll) {
    GroupMonitor monitor({{"g", {"job-commands"}}}, Settings());
    ASSERT_EQ(monitor.Views().size(), 1U);
    EXPECT_EQ(monitor.Views()[0].status, kafka::LagStatus::kNotFound);
    EXPECT_EQ(monitor.Views()[0].polls, 0U);
}

}  // namespace
}  // namespace cosmic::health
