// Static group membership (RunnerOptions::group_instance_id → group.instance.id).
//
// The librdkafka 2.0.2 mock reads a JoinGroup's GroupInstanceId but ignores it: a member that
// restarts under the same id joins as a new member, so "takes its partitions back without a
// rebalance" cannot be shown on it (that needs a real broker). What can be shown: a static member
// is assigned, consumes and commits like any other, and it really is static on the wire: on
// Stop it sends no LeaveGroup (KIP-345), where a dynamic member does.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>  // after rdkafka.h

#include <atomic>
#include <string>

#include "runner_test_support.hpp"

namespace cosmic::kafka::test {
namespace {

constexpr std::int16_t kLeaveGroupApi = 13;
constexpr int kCoordinator = 1;

class RunnerMembershipTest : public testing::EmbeddedClusterTest {
  protected:
    /// Produces ten records, runs a runner of `group` (static when `instance_id` is set) until it
    /// handled them, and stops it.
    void ConsumeTenAndStop(const std::string& group, const std::string& instance_id) {
        for (int i = 0; i < 10; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i), Marker(i));
        auto options = TestOptions(cluster_, group);
        options.group_instance_id = instance_id;
        Runner runner(options, nullptr);
        std::atomic<int> handled{0};
        runner.On("*", [&](const schema::Event&, const Delivery&) {
            ++handled;
            return Outcome::Ok();
        });
        runner.Start();
        ASSERT_TRUE(WaitUntil([&] { return handled.load() == 10; }));
        EXPECT_TRUE(runner.Ready());
        EXPECT_EQ(runner.Assignment().size(), static_cast<std::size_t>(kLifecyclePartitions));
        EXPECT_TRUE(runner.Stop(10s));
        ExpectCommittedToEnd(cluster_, group, kLifecycle, kLifecyclePartitions);
    }

    /// Pins the group's coordinator and queues one harmless (no error) reply for the next
    /// LeaveGroup it receives, so whether a LeaveGroup came can be read afterwards.
    void WatchLeaveGroup(const std::string& group) {
        rd_kafka_mock_cluster_t* mock = cluster_.Mock().Native();
        ASSERT_EQ(rd_kafka_mock_coordinator_set(mock, "group", group.c_str(), kCoordinator),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
        ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(mock, kCoordinator, kLeaveGroupApi, 1,
                                                               RD_KAFKA_RESP_ERR_NO_ERROR, 0),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }

    /// 1 while no LeaveGroup reached the coordinator, 0 after one did.
    std::size_t UnusedLeaveGroupReplies() {
        std::size_t count = 0;
        EXPECT_EQ(rd_kafka_mock_broker_error_stack_cnt(cluster_.Mock().Native(), kCoordinator, kLeaveGroupApi, &count),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
        return count;
    }
};

TEST_F(RunnerMembershipTest, AStaticMemberIsAssignedConsumesAndCommits) {
    ConsumeTenAndStop("static-group", "consumer-a");
}

TEST_F(RunnerMembershipTest, AStaticMemberDoesNotLeaveTheGroupOnStop) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    WatchLeaveGroup("static-leave-group");
    ConsumeTenAndStop("static-leave-group", "consumer-a");
    // ConsumeTenAndStop read the committed offsets from the coordinator after the stop, so a
    // LeaveGroup sent on the way out would have been served by now.
    EXPECT_EQ(UnusedLeaveGroupReplies(), 1u) << "a static member must not send LeaveGroup";
}

TEST_F(RunnerMembershipTest, ADynamicMemberLeavesTheGroupOnStop) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    WatchLeaveGroup("dynamic-leave-group");
    ConsumeTenAndStop("dynamic-leave-group", "");
    EXPECT_TRUE(WaitUntil([&] { return UnusedLeaveGroupReplies() == 0; }))
        << "without an instance id the member leaves on Stop";
}

}  // namespace
}  // namespace cosmic::kafka::test
