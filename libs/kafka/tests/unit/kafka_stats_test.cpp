#include <gtest/gtest.h>

#include "cosmic/kafka/stats.hpp"

namespace cosmic::kafka {
namespace {

// The shape of librdkafka's statistics (trimmed): partition -1 is internal, -1 lag is unknown.
constexpr std::string_view kStats = R"({
  "name": "rdkafka#consumer-1", "type": "consumer", "ts": 1, "msg_cnt": 0,
  "brokers": {"127.0.0.1:9092/1": {"name": "127.0.0.1:9092/1", "rtt": {"avg": 100}}},
  "topics": {
    "job-lifecycle": {"topic": "job-lifecycle", "partitions": {
      "0": {"partition": 0, "consumer_lag": 12, "consumer_lag_stored": 10, "hi_offset": 40},
      "1": {"partition": 1, "consumer_lag": -1, "consumer_lag_stored": -1},
      "-1": {"partition": -1, "consumer_lag": -1}
    }},
    "audit-trail": {"topic": "audit-trail", "partitions": {
      "4": {"partition": 4, "consumer_lag": 0}
    }}
  },
  "cgrp": {"state": "up", "rebalance_cnt": 1}
})";

TEST(ConsumerLagStatsTest, ReadsKnownLagOfRealPartitions) {
    const auto lag = ParseConsumerLag(kStats);
    ASSERT_TRUE(lag);
    ASSERT_EQ(lag->size(), 2u);
    EXPECT_EQ((*lag)[0], (ConsumerLag{"job-lifecycle", 0, 12}));
    EXPECT_EQ((*lag)[1], (ConsumerLag{"audit-trail", 4, 0}));
}

TEST(ConsumerLagStatsTest, NoTopicsYetMeansNoLag) {
    const auto lag = ParseConsumerLag(R"({"name":"c","type":"consumer"})");
    ASSERT_TRUE(lag);
    EXPECT_TRUE(lag->empty());
}

TEST(ConsumerLagStatsTest, RejectsGarbage) {
    EXPECT_FALSE(ParseConsumerLag("not json"));
    EXPECT_FALSE(ParseConsumerLag("[1,2]"));
    EXPECT_FALSE(ParseConsumerLag(""));
}

}  // namespace
}  // namespace cosmic::kafka
