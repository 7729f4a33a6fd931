// Group lag against the mock cluster: known commits and known produce counts give known lag.

#include "cosmic/kafka/group_lag.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::kafka {
namespace {

using cosmic::testing::WaitUntil;
using testing::EmbeddedClusterTest;

class GroupLagTest : public EmbeddedClusterTest {
  protected:
    void ProduceTo(const std::string& topic, std::int32_t partition, int count) {
        for (int i = 0; i < count; ++i) {
            cluster_.Produce(testing::ProduceRecord{topic, "k", "v" + std::to_string(i), {}, partition, 0});
        }
    }
};

TEST_F(GroupLagTest, LagIsHighWatermarkMinusCommittedPerPartition) {
    const std::string topic = cluster_.CreateUniqueTopic("lag", 3);
    ProduceTo(topic, 0, 5);
    ProduceTo(topic, 1, 3);
    ProduceTo(topic, 2, 4);
    cluster_.CommitOffsets("lag-group", topic, {{0, 2}, {1, 3}});

    GroupLagReader reader(cluster_.ClientConfig());
    const GroupLag lag = reader.Read("lag-group", {topic});
    ASSERT_EQ(lag.partitions.size(), 3U);
    EXPECT_EQ(lag.group, "lag-group");

    EXPECT_EQ(lag.partitions[0].topic, topic);
    EXPECT_EQ(lag.partitions[0].partition, 0);
    EXPECT_EQ(lag.partitions[0].committed, 2);
    EXPECT_EQ(lag.partitions[0].high, 5);
    EXPECT_EQ(lag.partitions[0].lag, 3);

    EXPECT_EQ(lag.partitions[1].committed, 3);
    EXPECT_EQ(lag.partitions[1].lag, 0);

    // Nothing committed: every retained record counts.
    EXPECT_EQ(lag.partitions[2].committed, -1);
    EXPECT_EQ(lag.partitions[2].low, 0);
    EXPECT_EQ(lag.partitions[2].high, 4);
    EXPECT_EQ(lag.partitions[2].lag, 4);
    EXPECT_EQ(lag.TotalLag(), 7);
    EXPECT_FALSE(reader.UsesCommittedFallback());

    // The same reader sees later progress.
    ProduceTo(topic, 1, 2);
    cluster_.CommitOffsets("lag-group", topic, {{0, 5}});
    const GroupLag later = reader.Read("lag-group", {topic});
    EXPECT_EQ(later.partitions[0].lag, 0);
    EXPECT_EQ(later.partitions[1].lag, 2);
    EXPECT_EQ(later.TotalLag(), 6);
}

TEST_F(GroupLagTest, CoversEveryRequestedTopic) {
    const std::string a = cluster_.CreateUniqueTopic("lag-a", 1);
    const std::string b = cluster_.CreateUniqueTopic("lag-b", 2);
    ProduceTo(b, 1, 2);
    GroupLagReader reader(cluster_.ClientConfig());
    const GroupLag lag = reader.Read("nobody", {a, b});
    ASSERT_EQ(lag.partitions.size(), 3U);
    EXPECT_EQ(lag.partitions[0].topic, a);
    EXPECT_EQ(lag.partitions[2].topic, b);
    EXPECT_EQ(lag.partitions[2].partition, 1);
    EXPECT_EQ(lag.TotalLag(), 2);
}

TEST_F(GroupLagTest, UnknownTopicIsAnErrorAndIsNotCreated) {
    GroupLagReader reader(cluster_.ClientConfig(), GroupLagOptions{std::chrono::seconds(5), true});
    try {
        reader.Read("g", {"no-such-topic"});
        FAIL() << "expected GroupLagError";
    } catch (const GroupLagError& error) {
        EXPECT_EQ(error.Code(), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
        EXPECT_NE(std::string(error.what()).find("no-such-topic"), std::string::npos);
    }
    EXPECT_THROW(reader.PartitionCount("no-such-topic"), GroupLagError);
}

TEST_F(GroupLagTest, SeesCommitsOfAnActiveGroupWithoutJoiningIt) {
    const std::string topic = cluster_.CreateUniqueTopic("lag-active", 2);
    ProduceTo(topic, 0, 3);
    ProduceTo(topic, 1, 1);

    // A real group member consumes everything and commits synchronously, and stays in the group.
    auto config = cluster_.ClientConfig();
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    config.properties["group.id"] = "active-group";
    config.properties["auto.offset.reset"] = "earliest";
    config.properties["enable.auto.commit"] = "false";
    // The mock's coordinator refuses commits for up to session.timeout.ms - 1 s after a membership
    // change; the default 45 s session would outlast every deadline below. 6 s is also the
    // smallest session a real broker accepts by default.
    config.properties["session.timeout.ms"] = "6000";
    config.properties["heartbeat.interval.ms"] = "500";
    for (const auto& [name, value] : config.properties) {
        ASSERT_EQ(rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)), RD_KAFKA_CONF_OK);
    }
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    ASSERT_NE(consumer, nullptr) << error;
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(subscription, topic.c_str(), RD_KAFKA_PARTITION_UA);
    ASSERT_EQ(rd_kafka_subscribe(consumer, subscription), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(subscription);
    // Next offset to read per partition, from what was really consumed (a rebalance may deliver
    // a record twice; the set of offsets stays the same).
    std::map<std::int32_t, std::int64_t> next;
    auto poll_once = [&] {
        if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100)) {
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                next[message->partition] = std::max(next[message->partition], message->offset + 1);
            }
            rd_kafka_message_destroy(message);
        }
    };
    ASSERT_TRUE(WaitUntil(
        [&] {
            poll_once();
            return next[0] == 3 && next[1] == 1;
        },
        std::chrono::seconds(60)))
        << "consumed up to " << next[0] << " and " << next[1];
    // The mock's coordinator may refuse a commit right after the join (rebalance still settling);
    // a member retries such a commit, and so does the test. The offsets are explicit: a commit of
    // the current positions could carry a position reset by a rebalance in between.
    rd_kafka_topic_partition_list_t* offsets = rd_kafka_topic_partition_list_new(2);
    for (const auto& [partition, offset] : next) {
        rd_kafka_topic_partition_list_add(offsets, topic.c_str(), partition)->offset = offset;
    }
    rd_kafka_resp_err_t commit_error = RD_KAFKA_RESP_ERR_NO_ERROR;
    const bool committed = WaitUntil(
        [&] {
            commit_error = rd_kafka_commit(consumer, offsets, 0);
            if (commit_error != RD_KAFKA_RESP_ERR_NO_ERROR) {
                poll_once();  // serve the rebalance
            }
            return commit_error == RD_KAFKA_RESP_ERR_NO_ERROR;
        },
        std::chrono::seconds(60));
    rd_kafka_topic_partition_list_destroy(offsets);
    ASSERT_TRUE(committed) << rd_kafka_err2name(commit_error);

    GroupLagReader reader(cluster_.ClientConfig());
    const GroupLag lag = reader.Read("active-group", {topic});
    ASSERT_EQ(lag.partitions.size(), 2U);
    EXPECT_EQ(lag.partitions[0].committed, 3);
    EXPECT_EQ(lag.partitions[1].committed, 1);
    EXPECT_EQ(lag.TotalLag(), 0);

    // Still assigned: reading the lag did not rebalance the member away.
    rd_kafka_topic_partition_list_t* assignment = nullptr;
    ASSERT_EQ(rd_kafka_assignment(consumer, &assignment), RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(assignment->cnt, 2);
    rd_kafka_topic_partition_list_destroy(assignment);

    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
}

TEST_F(GroupLagTest, CommittedQueryFallbackGivesTheSameAnswer) {
    const std::string topic = cluster_.CreateUniqueTopic("lag-fallback", 2);
    ProduceTo(topic, 0, 4);
    ProduceTo(topic, 1, 2);
    cluster_.CommitOffsets("fallback-group", topic, {{0, 1}});
    GroupLagReader admin(cluster_.ClientConfig());
    GroupLagReader fallback(cluster_.ClientConfig(), GroupLagOptions{std::chrono::seconds(10), false});
    EXPECT_TRUE(fallback.UsesCommittedFallback());
    const GroupLag expected = admin.Read("fallback-group", {topic});
    const GroupLag actual = fallback.Read("fallback-group", {topic});
    ASSERT_EQ(actual.partitions.size(), 2U);
    for (std::size_t i = 0; i < 2; ++i) {
        EXPECT_EQ(actual.partitions[i].committed, expected.partitions[i].committed);
        EXPECT_EQ(actual.partitions[i].lag, expected.partitions[i].lag);
    }
    EXPECT_EQ(actual.partitions[0].committed, 1);
    EXPECT_EQ(actual.partitions[1].committed, -1);
    EXPECT_EQ(actual.TotalLag(), 5);
}

}  // namespace
}  // namespace cosmic::kafka
