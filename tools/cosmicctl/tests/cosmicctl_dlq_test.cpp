// cosmicctl dlq list / replay round trips on the embedded cluster.

#include <gtest/gtest.h>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmicctl_test_support.hpp"
#include "dlq.hpp"
#include "environment.hpp"

namespace cosmic::cosmicctl {
namespace {

using kafka::testing::EmbeddedClusterTest;
using kafka::testing::Headers;
using test::Cosmicctl;
using test::Row;

Headers DeadLetterHeaders(const std::string& original_topic, int partition, int offset, const std::string& message) {
    return {{"event_type", "job.completed"},
            {"correlation_id", "corr-1"},
            {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
            {"dlq.original.topic", original_topic},
            {"dlq.original.partition", std::to_string(partition)},
            {"dlq.original.offset", std::to_string(offset)},
            {"dlq.original.timestamp", "1767225600000"},
            {"dlq.consumer.group", "notifications-consumer-group"},
            {"dlq.error.class", "retries_exhausted"},
            {"dlq.error.message", message},
            {"dlq.attempts", "5"},
            {"dlq.failed_at", "2026-01-31T12:00:00.000Z"}};
}

class CosmicctlDlqTest : public EmbeddedClusterTest {};

TEST_F(CosmicctlDlqTest, ListShowsOriginErrorAndAttempts) {
    const auto where = cluster_.Produce("job-lifecycle.dlq", "job-7", R"({"event_id":"e1"})",
                                        DeadLetterHeaders("job-lifecycle", 2, 41, "smtp: connection refused"));
    cluster_.Produce("job-lifecycle.dlq", "job-8", "{}", DeadLetterHeaders("job-lifecycle", 3, 9, "second"));

    const auto run = Cosmicctl(cluster_.Bootstraps(), {"dlq", "list", "job-lifecycle.dlq"});
    ASSERT_EQ(run.status, 0) << run.err;
    const auto row = Row(run.out, std::to_string(where.partition) + "/" + std::to_string(where.offset));
    ASSERT_GE(row.size(), 7U) << run.out;
    EXPECT_EQ(row[1], "job-7");
    EXPECT_EQ(row[2], "job-lifecycle/2/41");
    EXPECT_EQ(row[3], "retries_exhausted");
    EXPECT_EQ(row[4], "5");
    EXPECT_EQ(row[5], "2026-01-31T12:00:00.000Z");
    EXPECT_NE(run.out.find("smtp: connection refused"), std::string::npos);
    EXPECT_NE(run.out.find("2 record(s)"), std::string::npos);

    const auto limited = Cosmicctl(cluster_.Bootstraps(), {"dlq", "list", "job-lifecycle.dlq", "--limit", "1"});
    EXPECT_NE(limited.out.find("1 record(s) (limit reached)"), std::string::npos) << limited.out;
}

TEST_F(CosmicctlDlqTest, ReplayRepublishesKeyValueAndOriginalHeaders) {
    const auto dead = cluster_.Produce("job-lifecycle.dlq", "job-42", R"({"event_id":"e42"})",
                                       DeadLetterHeaders("job-lifecycle", 1, 5, "boom"));

    const auto run = Cosmicctl(cluster_.Bootstraps(), {"dlq", "replay", "job-lifecycle.dlq"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("replayed 1 record(s) from job-lifecycle.dlq"), std::string::npos) << run.out;

    const auto records = cluster_.ConsumeAll("job-lifecycle", 1);
    ASSERT_EQ(records.size(), 1U);
    const auto& replayed = records.front();
    EXPECT_EQ(replayed.key, std::optional<std::string>("job-42"));
    EXPECT_EQ(replayed.value, R"({"event_id":"e42"})");
    EXPECT_EQ(replayed.Header("event_type"), std::optional<std::string>("job.completed"));
    EXPECT_EQ(replayed.Header("correlation_id"), std::optional<std::string>("corr-1"));
    EXPECT_EQ(replayed.Header("traceparent"),
              std::optional<std::string>("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
    EXPECT_EQ(replayed.Header("dlq.original.topic"), std::nullopt);
    EXPECT_EQ(replayed.Header("dlq.error.message"), std::nullopt);
    EXPECT_EQ(replayed.Header("dlq.replayed_from"),
              "job-lifecycle.dlq/" + std::to_string(dead.partition) + "/" + std::to_string(dead.offset));
    EXPECT_EQ(replayed.Header("dlq.replay_count"), std::optional<std::string>("1"));
}

TEST_F(CosmicctlDlqTest, ReplayFromAnOffsetTakesOnlyLaterRecords) {
    kafka::testing::ProduceRecord record{
        "audit-trail.dlq", "r", "first", DeadLetterHeaders("audit-trail", 0, 1, "x"), 0, 0};
    cluster_.Produce(record);
    record.value = "second";
    const auto second = cluster_.Produce(record);

    const auto run = Cosmicctl(cluster_.Bootstraps(), {"dlq", "replay", "audit-trail.dlq", "--partition", "0",
                                                       "--offset", std::to_string(second.offset)});
    ASSERT_EQ(run.status, 0) << run.err;
    const auto records = cluster_.ConsumeToEnd("audit-trail");
    ASSERT_EQ(records.size(), 1U);
    EXPECT_EQ(records.front().value, "second");
}

TEST_F(CosmicctlDlqTest, SinceSelectsByTimeAndRejectsBadTimes) {
    kafka::testing::ProduceRecord old_record{
        "system-health.dlq", "c1", "old", DeadLetterHeaders("system-health", 0, 1, "x"), 0, 1'000};
    cluster_.Produce(old_record);
    kafka::testing::ProduceRecord new_record = old_record;
    new_record.value = "new";
    new_record.timestamp_ms = schema::NowEpochMs();
    cluster_.Produce(new_record);

    auto config = ClientConfigFrom({}, cluster_.Bootstraps());
    TopicReader reader(config, std::chrono::seconds(10));
    DlqSelection selection;
    selection.since_ms = schema::NowEpochMs() - 3'600'000;
    const auto entries = ReadDlq(reader, "system-health.dlq", selection);
    ASSERT_EQ(entries.size(), 1U);
    EXPECT_EQ(entries.front().record.value, "new");

    const auto bad = Cosmicctl(cluster_.Bootstraps(), {"dlq", "list", "system-health.dlq", "--since", "yesterday"});
    EXPECT_EQ(bad.status, 2);
    const auto both = Cosmicctl(cluster_.Bootstraps(), {"dlq", "list", "system-health.dlq", "--since",
                                                        "2026-01-01T00:00:00Z", "--offset", "1"});
    EXPECT_EQ(both.status, 2);
}

TEST_F(CosmicctlDlqTest, RecordsWithoutAnOriginAreSkippedAndReported) {
    cluster_.Produce("notifications.dlq", "u1", "orphan", {{"dlq.error.class", "dead_letter"}});
    const auto run = Cosmicctl(cluster_.Bootstraps(), {"dlq", "replay", "notifications.dlq"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("no dlq.original.topic header"), std::string::npos) << run.err;
    EXPECT_NE(run.out.find("replayed 0 record(s)"), std::string::npos) << run.out;
}

TEST_F(CosmicctlDlqTest, NonDlqAndUnknownTopicsAreRefused) {
    auto run = Cosmicctl(cluster_.Bootstraps(), {"dlq", "list", "job-lifecycle"});
    EXPECT_EQ(run.status, 2);
    EXPECT_NE(run.err.find("use job-lifecycle.dlq"), std::string::npos) << run.err;
    run = Cosmicctl(cluster_.Bootstraps(), {"dlq", "list", "nothing.dlq"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("unknown topic 'nothing.dlq'"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace cosmic::cosmicctl
