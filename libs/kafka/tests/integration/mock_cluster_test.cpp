// The fixture itself: table topics exist, records round-trip with headers, commits are visible,
// and fault injection reaches the brokers.

#include "cosmic/kafka/mock_cluster.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/topics.hpp"

namespace cosmic::kafka::testing {
namespace {

using namespace std::chrono_literals;

class MockClusterFixtureTest : public EmbeddedClusterTest {};

TEST_F(MockClusterFixtureTest, CreatesEveryTableTopicAndItsDlq) {
    for (const auto& spec : schema::AllTopics()) {
        EXPECT_EQ(cluster_.PartitionCount(spec.name), spec.partitions) << spec.name;
        EXPECT_EQ(cluster_.PartitionCount(schema::DlqTopicName(spec.name)), spec.partitions) << spec.name;
    }
}

TEST_F(MockClusterFixtureTest, ProducedRecordsComeBackWithKeyValueAndHeaders) {
    const std::string topic = cluster_.CreateUniqueTopic("roundtrip", 3);
    const Delivered first = cluster_.Produce(topic, "k1", "v1", {{"event_type", "job.submitted"}, {"a", ""}});
    ProduceRecord second{topic, std::nullopt, "v2", {}, 2, 0};
    const Delivered where = cluster_.Produce(second);
    EXPECT_EQ(where.partition, 2);
    EXPECT_EQ(where.offset, 0);

    const auto records = cluster_.ConsumeAll(topic, 2);
    ASSERT_EQ(records.size(), 2U);
    for (const auto& record : records) {
        if (record.value == "v1") {
            EXPECT_EQ(record.key, std::optional<std::string>("k1"));
            EXPECT_EQ(record.partition, first.partition);
            EXPECT_EQ(record.offset, first.offset);
            EXPECT_EQ(record.Header("event_type"), std::optional<std::string>("job.submitted"));
            EXPECT_EQ(record.Header("a"), std::optional<std::string>(""));
            EXPECT_EQ(record.Header("missing"), std::nullopt);
        } else {
            EXPECT_EQ(record.value, "v2");
            EXPECT_FALSE(record.key.has_value());
            EXPECT_EQ(record.partition, 2);
            EXPECT_TRUE(record.headers.empty());
        }
    }
    EXPECT_EQ(cluster_.ConsumeToEnd(topic).size(), 2U);
    EXPECT_EQ(cluster_.Watermarks(topic, 2), (std::pair<std::int64_t, std::int64_t>(0, 1)));
}

TEST_F(MockClusterFixtureTest, PartitionCountOfAnUnknownTopicFailsWithoutCreatingIt) {
    EXPECT_THROW(cluster_.PartitionCount("not-created", 300ms), std::runtime_error);
    EXPECT_THROW(cluster_.PartitionCount("not-created", 300ms), std::runtime_error);
}

TEST_F(MockClusterFixtureTest, ConsumeAllReturnsWhatArrivedWhenTheTimeoutPasses) {
    const std::string topic = cluster_.CreateUniqueTopic("short", 1);
    cluster_.Produce(topic, "k", "only");
    EXPECT_EQ(cluster_.ConsumeAll(topic, 2, 1s).size(), 1U);
}

TEST_F(MockClusterFixtureTest, CommittedOffsetsShowWhatAGroupCommitted) {
    const std::string topic = cluster_.CreateUniqueTopic("commits", 3);
    EXPECT_EQ(cluster_.CommittedOffsets("g1", topic),
              (std::map<std::int32_t, std::int64_t>{{0, -1}, {1, -1}, {2, -1}}));
    cluster_.CommitOffsets("g1", topic, {{0, 5}, {2, 7}});
    EXPECT_EQ(cluster_.CommittedOffsets("g1", topic), (std::map<std::int32_t, std::int64_t>{{0, 5}, {1, -1}, {2, 7}}));
    EXPECT_EQ(cluster_.CommittedOffsets("other", topic).at(0), -1);
}

TEST_F(MockClusterFixtureTest, ProduceFailsWhileRequestErrorsAreQueuedThenRecovers) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    const std::string topic = cluster_.CreateUniqueTopic("faults", 1);
    // A non-retriable error is reported to the producer as is.
    cluster_.PushRequestErrors(ApiKey::kProduce, {RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE});
    EXPECT_THROW(cluster_.Produce(topic, "k", "v"), std::runtime_error);
    EXPECT_NO_THROW(cluster_.Produce(topic, "k", "v"));
}

TEST_F(MockClusterFixtureTest, RecordsProducedWhileTheLeaderIsDownArriveAfterItReturns) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    const std::string topic = cluster_.CreateUniqueTopic("down", 1);
    cluster_.SetPartitionLeader(topic, 0, 2);
    cluster_.Produce(topic, "k", "before");
    cluster_.SetBrokerDown(2);
    // Nothing can be delivered while the only replica is down; the record stays queued.
    ProduceRecord during{topic, "k", "during", {}, 0, 0};
    EXPECT_THROW(cluster_.Produce(during, 300ms), std::runtime_error);
    cluster_.SetBrokerUp(2);
    EXPECT_EQ(cluster_.ConsumeAll(topic, 2).size(), 2U);
}

TEST(MockClusterTest, RejectsUnknownBrokers) {
    MockCluster cluster(1);
    EXPECT_THROW(cluster.SetBrokerDown(2), std::out_of_range);
    EXPECT_THROW(cluster.SetRtt(0, 10), std::out_of_range);
    EXPECT_NO_THROW(cluster.SetRtt(1, 5));
}

TEST(MockClusterTest, ParsesApiAndErrorNames) {
    EXPECT_EQ(ParseApiKey("Produce"), ApiKey::kProduce);
    EXPECT_EQ(ParseApiKey("offsetcommit"), ApiKey::kOffsetCommit);
    EXPECT_EQ(ParseApiKey("3"), ApiKey::kMetadata);
    EXPECT_EQ(ParseApiKey("Nope"), std::nullopt);
    EXPECT_EQ(ToString(ApiKey::kFetch), "Fetch");
    EXPECT_EQ(ParseErrorCode("NOT_LEADER_FOR_PARTITION"), RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    EXPECT_EQ(ParseErrorCode("RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT"), RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
    EXPECT_EQ(ParseErrorCode("6"), RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION);
    EXPECT_EQ(ParseErrorCode("NO_SUCH_ERROR"), std::nullopt);
}

}  // namespace
}  // namespace cosmic::kafka::testing
