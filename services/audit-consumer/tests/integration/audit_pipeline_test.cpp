// The consumer path on the embedded cluster: records of audit-trail (valid, invalid and
// health-monitor ALERTs) end up chained in the store, redelivery after a crash between the
// batch commit and the offset commit neither loses nor duplicates anything.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <set>

#include "audit_fixture.hpp"
#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/audit_consumer/audit_ingest.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::audit {
namespace {

using cosmic::testing::WaitUntil;
using kafka::testing::EmbeddedCluster;
using std::chrono::seconds;
using testing::AuditJson;
using testing::kTopic;

class AuditPipelineTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    std::string DbPath() const { return (dir_.Path() / "audit.db").string(); }

    std::unique_ptr<SqliteAuditStore> OpenStore() {
        SqliteStoreOptions options;
        options.path = DbPath();
        options.checkpoint_every_rows = 50;
        return std::make_unique<SqliteAuditStore>(options);
    }

    kafka::RunnerOptions RunnerOptions() const {
        kafka::RunnerOptions options;
        options.group_id = "audit-trail-consumer-group";
        options.topics = {std::string(kTopic)};
        options.client = cluster_.ClientConfig();
        // The mock cluster only hands a stopped member's partitions to the next one after the
        // member's session timed out; keep that short.
        options.client.properties["session.timeout.ms"] = "6000";
        options.client.properties["heartbeat.interval.ms"] = "500";
        options.retry.base = std::chrono::milliseconds(20);
        options.retry.cap = std::chrono::milliseconds(200);
        options.retry.max_attempts = 1000;
        options.statistics_interval = std::chrono::milliseconds(0);
        return options;
    }

    static std::int64_t Count(SqliteAuditStore& store, std::optional<bool> valid = std::nullopt) {
        QueryFilter filter;
        filter.valid = valid;
        filter.limit = 100000;
        return static_cast<std::int64_t>(store.Query(filter).rows.size());
    }

    static std::size_t DistinctEventIds(SqliteAuditStore& store) {
        QueryFilter filter;
        filter.limit = 100000;
        std::set<std::string> ids;
        for (const auto& row : store.Query(filter).rows) ids.insert(row.record.event_id);
        return ids.size();
    }

    testing::ScratchDir dir_;
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(AuditPipelineTest, StoresValidInvalidAndAlertRecordsAndCommitsAfterwards) {
    auto store = OpenStore();
    AuditMetrics metrics(*registry_);
    AuditIngest ingest(*store, metrics, [] { return schema::NowEpochMs(); });

    constexpr int kValid = 120;
    for (int i = 0; i < kValid; ++i) {
        const std::string job = "job-" + std::to_string(i % 17);
        cluster_.Produce(kTopic, job,
                         AuditJson(job, "STATE_CHANGE", "u" + std::to_string(i % 3), R"({"job_id":")" + job + R"("})"));
    }
    cluster_.Produce(kTopic, std::string("monitor"),
                     AuditJson("alert-lag-metrics", "ALERT", "", R"({"severity":"critical"})", {}, "health-monitor"));
    cluster_.Produce(kTopic, std::string("bad-1"), "{ this is not json");
    cluster_.Produce(kTopic, std::string("bad-2"), AuditJson("job-1", "TELEPORT", "u1"));

    kafka::Runner runner(RunnerOptions(), registry_);
    runner.OnBatch([&](std::span<const kafka::Record> records) { return ingest.HandleBatch(records); }, 40,
                   std::chrono::milliseconds(20));
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return Count(*store) == kValid + 3; }, seconds(60))) << "stored " << Count(*store);
    ASSERT_TRUE(runner.Stop(std::chrono::seconds(10)));

    EXPECT_EQ(Count(*store, false), 2);
    QueryFilter alerts;
    alerts.action = "ALERT";
    const auto alert_rows = store->Query(alerts).rows;
    ASSERT_EQ(alert_rows.size(), 1u);
    EXPECT_EQ(alert_rows[0].record.source, "health-monitor");
    QueryFilter jobs;
    jobs.job_id = "job-3";
    EXPECT_EQ(store->Query(jobs).rows.size(), 7u);  // i = 3, 20, 37, ... < 120

    const VerifyReport report = store->Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_EQ(report.rows_checked, static_cast<std::uint64_t>(kValid + 3));
    // Invalid records were stored, not dead-lettered.
    EXPECT_TRUE(cluster_.ConsumeToEnd("audit-trail.dlq").empty());
    // Every offset was committed once its batch was in the store.
    const auto committed = cluster_.CommittedOffsets("audit-trail-consumer-group", kTopic);
    std::int64_t total = 0;
    for (const auto& [partition, offset] : committed) {
        EXPECT_EQ(offset, cluster_.Watermarks(kTopic, partition).second) << "partition " << partition;
        total += std::max<std::int64_t>(offset, 0);
    }
    EXPECT_EQ(total, kValid + 3);
}

TEST_F(AuditPipelineTest, ACrashBetweenBatchCommitAndOffsetCommitLosesAndDuplicatesNothing) {
    constexpr int kEvents = 300;
    for (int i = 0; i < kEvents; ++i) {
        const std::string job = "job-" + std::to_string(i % 11);
        cluster_.Produce(kTopic, job, AuditJson(job, "UPDATE", "u1"));
    }

    {
        // First process: writes batches; after 100 rows it commits one more batch to the store
        // and then "dies" before acknowledging it, so its offsets are never stored.
        auto store = OpenStore();
        AuditMetrics metrics(*registry_);
        AuditIngest ingest(*store, metrics, [] { return schema::NowEpochMs(); });
        std::atomic<bool> dead{false};
        std::atomic<int> acknowledged{0};
        kafka::Runner runner(RunnerOptions(), registry_);
        runner.OnBatch(
            [&](std::span<const kafka::Record> records) {
                if (dead) return kafka::Outcome::kRetry;
                EXPECT_EQ(ingest.HandleBatch(records), kafka::Outcome::kOk);
                if (Count(*store) >= 100) {
                    dead = true;
                    return kafka::Outcome::kRetry;
                }
                acknowledged += static_cast<int>(records.size());
                return kafka::Outcome::kOk;
            },
            30, std::chrono::milliseconds(20));
        runner.Start();
        ASSERT_TRUE(WaitUntil([&] { return dead.load(); }, seconds(60)));
        ASSERT_TRUE(runner.Stop(std::chrono::seconds(10)));
        EXPECT_GT(Count(*store), acknowledged.load());  // written but never acknowledged
    }

    // Second process on the same database and group: gets the unacknowledged records again.
    auto store = OpenStore();
    AuditMetrics metrics(*registry_);
    AuditIngest ingest(*store, metrics, [] { return schema::NowEpochMs(); });
    kafka::Runner runner(RunnerOptions(), registry_);
    runner.OnBatch([&](std::span<const kafka::Record> records) { return ingest.HandleBatch(records); }, 30,
                   std::chrono::milliseconds(20));
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return Count(*store) == kEvents; }, seconds(60))) << "stored " << Count(*store);
    ASSERT_TRUE(WaitUntil(
        [&] {
            std::int64_t committed = 0;
            for (const auto& [p, o] : cluster_.CommittedOffsets("audit-trail-consumer-group", kTopic)) {
                committed += std::max<std::int64_t>(o, 0);
            }
            return committed == kEvents;
        },
        seconds(30)));
    ASSERT_TRUE(runner.Stop(std::chrono::seconds(10)));

    EXPECT_GT(metrics.Duplicates(), 0u);  // the redelivered batch was recognised
    EXPECT_EQ(Count(*store), kEvents);
    EXPECT_EQ(DistinctEventIds(*store), static_cast<std::size_t>(kEvents));
    const VerifyReport report = store->Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
}

TEST_F(AuditPipelineTest, AFailingStoreIsRetriedNotDeadLettered) {
    auto store = OpenStore();
    AuditMetrics metrics(*registry_);
    AuditIngest ingest(*store, metrics, [] { return schema::NowEpochMs(); });
    for (int i = 0; i < 20; ++i) cluster_.Produce(kTopic, std::string("job-1"), AuditJson("job-1", "ACCESS", "u1"));

    std::atomic<int> failures{3};
    kafka::Runner runner(RunnerOptions(), registry_);
    runner.OnBatch(
        [&](std::span<const kafka::Record> records) {
            // The store refuses the first attempts (as a full disk or a locked file would).
            if (failures.fetch_sub(1) > 0) return kafka::Outcome::kRetry;
            return ingest.HandleBatch(records);
        },
        50, std::chrono::milliseconds(20));
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return Count(*store) == 20; }, seconds(60)));
    ASSERT_TRUE(runner.Stop(std::chrono::seconds(10)));
    EXPECT_TRUE(cluster_.ConsumeToEnd("audit-trail.dlq").empty());
    EXPECT_TRUE(store->Verify().ok);
}

}  // namespace
}  // namespace cosmic::audit
