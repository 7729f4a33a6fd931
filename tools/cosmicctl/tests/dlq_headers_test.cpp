#include <gtest/gtest.h>

#include "args.hpp"
#include "dlq.hpp"

namespace cosmic::cosmicctl {
namespace {

ReadRecord DeadLetter(kafka::Headers headers) {
    ReadRecord record;
    record.topic = "job-lifecycle.dlq";
    record.partition = 3;
    record.offset = 17;
    record.key = "job-1";
    record.value = "{\"x\":1}";
    record.headers = std::move(headers);
    return record;
}

TEST(CosmicctlDlqTest, ReadsTheDlqHeaders) {
    const DlqEntry entry = ParseDlqEntry(DeadLetter({{"event_type", "job.failed"},
                                                     {"dlq.original.topic", "job-lifecycle"},
                                                     {"dlq.original.partition", "4"},
                                                     {"dlq.original.offset", "99"},
                                                     {"dlq.consumer.group", "notifications-consumer-group"},
                                                     {"dlq.error.class", "retries_exhausted"},
                                                     {"dlq.error.message", "smtp down"},
                                                     {"dlq.attempts", "5"},
                                                     {"dlq.failed_at", "2026-01-31T12:00:00.000Z"}}));
    EXPECT_EQ(entry.original_topic, "job-lifecycle");
    EXPECT_EQ(entry.original_partition, 4);
    EXPECT_EQ(entry.original_offset, 99);
    EXPECT_EQ(entry.consumer_group, "notifications-consumer-group");
    EXPECT_EQ(entry.error_class, "retries_exhausted");
    EXPECT_EQ(entry.error_message, "smtp down");
    EXPECT_EQ(entry.attempts, 5);
    EXPECT_EQ(entry.failed_at, "2026-01-31T12:00:00.000Z");
    EXPECT_EQ(entry.replay_count, 0);
    EXPECT_EQ(entry.record.offset, 17);
}

TEST(CosmicctlDlqTest, MissingOrGarbledHeadersStayUnknown) {
    const DlqEntry entry = ParseDlqEntry(DeadLetter({{"dlq.original.partition", "x"}}));
    EXPECT_TRUE(entry.original_topic.empty());
    EXPECT_FALSE(entry.original_partition.has_value());
    EXPECT_FALSE(entry.attempts.has_value());
}

TEST(CosmicctlDlqTest, ReplayKeepsOriginalHeadersDropsDlqOnesAndCountsReplays) {
    const DlqEntry entry = ParseDlqEntry(DeadLetter({{"event_type", "job.failed"},
                                                     {"traceparent", "00-abc"},
                                                     {"dlq.original.topic", "job-lifecycle"},
                                                     {"dlq.replayed_from", "job-lifecycle.dlq/0/1"},
                                                     {"dlq.replay_count", "2"},
                                                     {"dlq.error.class", "dead_letter"}}));
    const kafka::Headers headers = ReplayHeaders(entry, "job-lifecycle.dlq");
    EXPECT_EQ(headers, (kafka::Headers{{"event_type", "job.failed"},
                                       {"traceparent", "00-abc"},
                                       {"dlq.replayed_from", "job-lifecycle.dlq/3/17"},
                                       {"dlq.replay_count", "3"}}));
}

TEST(CosmicctlDlqTest, OnlyDlqTopicsAreAccepted) {
    EXPECT_NO_THROW(RequireDlqTopic("job-lifecycle.dlq"));
    EXPECT_THROW(RequireDlqTopic("job-lifecycle"), UsageError);
    EXPECT_THROW(RequireDlqTopic(".dlq"), UsageError);
}

}  // namespace
}  // namespace cosmic::cosmicctl
