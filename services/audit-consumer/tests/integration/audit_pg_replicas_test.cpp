// Two audit-consumer replicas in one consumer group on one PostgreSQL database: a forced
// rebalance (a second member joins, then the first leaves) moves partitions between them, and
// every chain still verifies while each replica answers the full report. Needs Debian's
// postgresql package: without it this test fails saying so.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <set>

#include "audit_fixture.hpp"
#include "cosmic/audit/pg_audit_store.hpp"
#include "cosmic/audit_consumer/audit_ingest.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/testing/postgres_server.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::audit {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::seconds;
using testing::AuditJson;
using testing::kTopic;

/// A replica: its own store (connection pool), metrics, ingest and consumer.
struct Replica {
    Replica(const std::string& url, kafka::RunnerOptions options)
        : registry(std::make_shared<prometheus::Registry>()),
          store([&] {
              PgAuditStoreOptions store_options;
              store_options.url = url;
              store_options.checkpoint_every_rows = 25;
              return std::make_unique<PgAuditStore>(store_options);
          }()),
          metrics(*registry),
          ingest(*store, metrics, [] { return schema::NowEpochMs(); }),
          runner(std::move(options), registry) {
        runner.OnBatch(
            [this](std::span<const kafka::Record> records) {
                const kafka::Outcome outcome = ingest.HandleBatch(records);
                if (outcome.IsOk()) batches += 1;
                return outcome;
            },
            40, std::chrono::milliseconds(20));
    }

    std::shared_ptr<prometheus::Registry> registry;
    std::unique_ptr<PgAuditStore> store;
    AuditMetrics metrics;
    AuditIngest ingest;
    kafka::Runner runner;
    std::atomic<int> batches{0};
};

class AuditPgReplicasTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    kafka::RunnerOptions RunnerOptions(const std::string& instance) const {
        kafka::RunnerOptions options;
        options.group_id = "audit-trail-consumer-group";
        options.topics = {std::string(kTopic)};
        options.client = cluster_.ClientConfig();
        options.client.properties["client.id"] = instance;
        options.client.properties["session.timeout.ms"] = "6000";
        options.client.properties["heartbeat.interval.ms"] = "500";
        options.retry.base = std::chrono::milliseconds(20);
        options.retry.cap = std::chrono::milliseconds(200);
        options.retry.max_attempts = 1000;
        options.statistics_interval = std::chrono::milliseconds(0);
        return options;
    }

    void Produce(int count, int first) {
        for (int i = first; i < first + count; ++i) {
            const std::string job = "job-" + std::to_string(i % 23);
            cluster_.Produce(kTopic, job, AuditJson(job, "UPDATE", "u" + std::to_string(i % 5)));
        }
    }

    static std::uint64_t Stored(PgAuditStore& store) { return store.Report(schema::NowEpochMs()).total_events; }

    cosmic::testing::PostgresServer server_;
};

TEST_F(AuditPgReplicasTest, ARebalanceKeepsEveryChainVerifiableAndBothReplicasReportEverything) {
    const std::string url = server_.CreateDatabase("audit");
    Replica a(url, RunnerOptions("audit-a"));
    Replica b(url, RunnerOptions("audit-b"));
    Produce(150, 0);
    a.runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return a.batches.load() > 0; }, seconds(60)));
    // A second member joins: the group rebalances and b takes over some of a's partitions.
    b.runner.Start();
    ASSERT_TRUE(
        WaitUntil([&] { return !a.runner.Assignment().empty() && !b.runner.Assignment().empty(); }, seconds(60)))
        << "a has " << a.runner.Assignment().size() << ", b has " << b.runner.Assignment().size();
    Produce(150, 150);
    ASSERT_TRUE(WaitUntil([&] { return b.batches.load() > 0; }, seconds(60))) << "b never got a partition";
    // The first member leaves: every partition moves to b.
    ASSERT_TRUE(a.runner.Stop(seconds(10)));
    Produce(150, 300);
    constexpr std::uint64_t kEvents = 450;
    ASSERT_TRUE(WaitUntil([&] { return Stored(*b.store) == kEvents; }, seconds(90))) << "stored " << Stored(*b.store);
    ASSERT_TRUE(b.runner.Stop(seconds(10)));

    std::set<std::string> ids;
    QueryFilter all;
    all.limit = 100000;
    for (const auto& row : a.store->Query(all).rows) ids.insert(row.record.event_id);
    EXPECT_EQ(ids.size(), kEvents);  // nothing lost, nothing stored twice
    for (PgAuditStore* store : {a.store.get(), b.store.get()}) {
        const ComplianceReport report = store->Report(schema::NowEpochMs());
        EXPECT_EQ(report.total_events, kEvents);
        EXPECT_TRUE(report.verify.ok) << (report.verify.first_bad ? report.verify.first_bad->detail : "");
        EXPECT_EQ(report.verify.rows_checked, kEvents);
        EXPECT_GT(report.verify.partitions_checked, 1u);
    }
}

}  // namespace
}  // namespace cosmic::audit
