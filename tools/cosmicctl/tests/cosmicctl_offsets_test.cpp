// cosmicctl offsets reset against the embedded cluster: the plan for each target, the dry run,
// the committed offsets after --execute, explicit partitions, and the refusal while the group
// has an active member (the mock refuses the commit itself). groups list/describe need
// DescribeGroups and --to datetime= a ListOffsets by timestamp, which the mock cluster does not
// implement: tests/e2e/cosmicctl_groups_test.cpp runs those on the real cluster.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <memory>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/wait.hpp"
#include "cosmicctl_test_support.hpp"

namespace cosmic::cosmicctl {
namespace {

using kafka::testing::EmbeddedClusterTest;
using kafka::testing::ProduceRecord;
using test::Cosmicctl;
using test::Row;

class CosmicctlOffsetsTest : public EmbeddedClusterTest {
  protected:
    void SetUp() override {
        topic_ = cluster_.CreateUniqueTopic("ctl-reset", 2);
        for (int i = 0; i < 10; ++i) cluster_.Produce(ProduceRecord{topic_, "k", "v", {}, 0, 0});
        for (int i = 0; i < 4; ++i) cluster_.Produce(ProduceRecord{topic_, "k", "v", {}, 1, 0});
        cluster_.CommitOffsets(group_, topic_, {{0, 7}, {1, 2}});
    }

    std::map<std::int32_t, std::int64_t> Committed() { return cluster_.CommittedOffsets(group_, topic_); }

    std::string topic_;
    std::string group_ = "ctl-reset-group";
};

TEST_F(CosmicctlOffsetsTest, DryRunPrintsThePlanAndCommitsNothing) {
    const auto run = Cosmicctl(cluster_.Bootstraps(), {"offsets", "reset", "--group", group_, "--to", "earliest"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(Row(run.out, topic_, 0), (std::vector<std::string>{topic_, "0", "7", "0", "0", "10"}));
    EXPECT_EQ(Row(run.out, topic_, 1), (std::vector<std::string>{topic_, "1", "2", "0", "0", "4"}));
    EXPECT_NE(run.out.find("dry run: nothing committed"), std::string::npos) << run.out;
    EXPECT_EQ(Committed(), (std::map<std::int32_t, std::int64_t>{{0, 7}, {1, 2}}));
}

TEST_F(CosmicctlOffsetsTest, ExecuteCommitsEarliestAndLatest) {
    auto run =
        Cosmicctl(cluster_.Bootstraps(), {"offsets", "reset", "--group", group_, "--to", "earliest", "--execute"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("committed 2 offset(s)"), std::string::npos) << run.out;
    EXPECT_EQ(Committed(), (std::map<std::int32_t, std::int64_t>{{0, 0}, {1, 0}}));

    run = Cosmicctl(cluster_.Bootstraps(),
                    {"offsets", "reset", "--group", group_, "--to", "latest", "--topic", topic_, "--execute"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(Committed(), (std::map<std::int32_t, std::int64_t>{{0, 10}, {1, 4}}));
}

TEST_F(CosmicctlOffsetsTest, ExplicitPartitionsAndOffsetsClampedToThePartition) {
    const auto run = Cosmicctl(cluster_.Bootstraps(), {"offsets", "reset", "--group", group_, "--to", "offset=5",
                                                       "--topic", topic_ + ":1", "--execute"});
    ASSERT_EQ(run.status, 0) << run.err;
    // Partition 1 holds offsets 0..3: 5 is past its end and moves there; partition 0 is untouched.
    EXPECT_EQ(Row(run.out, topic_), (std::vector<std::string>{topic_, "1", "2", "4", "(clamped)", "0", "4"}));
    EXPECT_EQ(Committed(), (std::map<std::int32_t, std::int64_t>{{0, 7}, {1, 4}}));
}

TEST_F(CosmicctlOffsetsTest, RefusedWhileTheGroupHasAnActiveMember) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    for (const auto& [name, value] : std::map<std::string, std::string>{
             {"bootstrap.servers", cluster_.Bootstraps()}, {"group.id", group_}, {"enable.auto.commit", "false"}}) {
        ASSERT_EQ(rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)), RD_KAFKA_CONF_OK);
    }
    std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> consumer(
        rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error)), [](rd_kafka_t* rk) {
            rd_kafka_consumer_close(rk);
            rd_kafka_destroy(rk);
        });
    ASSERT_NE(consumer, nullptr) << error;
    rd_kafka_poll_set_consumer(consumer.get());
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
    ASSERT_EQ(rd_kafka_subscribe(consumer.get(), topics), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(topics);
    ASSERT_TRUE(cosmic::testing::WaitUntil(
        [&] {
            if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 50)) {
                rd_kafka_message_destroy(message);
            }
            rd_kafka_topic_partition_list_t* assigned = nullptr;
            if (rd_kafka_assignment(consumer.get(), &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return false;
            const bool any = assigned->cnt > 0;
            rd_kafka_topic_partition_list_destroy(assigned);
            return any;
        },
        std::chrono::seconds(30)))
        << "the consumer never got an assignment";

    const auto run =
        Cosmicctl(cluster_.Bootstraps(), {"offsets", "reset", "--group", group_, "--to", "earliest", "--execute"});
    EXPECT_EQ(run.status, 1) << run.out << run.err;
    EXPECT_NE(run.err.find("refused"), std::string::npos) << run.err;
    EXPECT_NE(run.err.find("active member"), std::string::npos) << run.err;
    EXPECT_EQ(Committed(), (std::map<std::int32_t, std::int64_t>{{0, 7}, {1, 2}}));
}

TEST_F(CosmicctlOffsetsTest, BadArgumentsAreUsageErrors) {
    auto run = Cosmicctl(cluster_.Bootstraps(), {"offsets", "reset", "--group", group_, "--to", "yesterday"});
    EXPECT_EQ(run.status, 2);
    EXPECT_NE(run.err.find("--to must be earliest, latest"), std::string::npos) << run.err;
    run = Cosmicctl(cluster_.Bootstraps(), {"offsets", "reset", "--to", "earliest"});
    EXPECT_EQ(run.status, 2);
    run = Cosmicctl(cluster_.Bootstraps(),
                    {"offsets", "reset", "--group", group_, "--to", "earliest", "--topic", topic_ + ":9"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("has no partition 9"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace cosmic::cosmicctl
