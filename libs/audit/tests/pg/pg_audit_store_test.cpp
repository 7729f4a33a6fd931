// The PostgreSQL audit store against a server the test starts: chains, checkpoints, queries,
// retention, the database-enforced append-only rule, and two writers on one partition (what a
// rebalance looks like to the store). Needs Debian's postgresql package.
#include "cosmic/audit/pg_audit_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/store/postgres.hpp"
#include "cosmic/testing/postgres_server.hpp"
#include "cosmic/testing/wait.hpp"
#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

using testing::MakeInvalid;
using testing::MakeRecord;
using testing::WallNowMs;

constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;

class PgAuditStoreTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = std::make_unique<cosmic::testing::PostgresServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    void SetUp() override {
        ASSERT_TRUE(server_);
        url_ = server_->CreateDatabase("audit_" + std::to_string(++databases_));
    }

    std::unique_ptr<PgAuditStore> Open(std::size_t checkpoint_every = 10000, std::string url = "") {
        PgAuditStoreOptions options;
        options.url = url.empty() ? url_ : url;
        options.checkpoint_every_rows = checkpoint_every;
        options.durable = false;
        return std::make_unique<PgAuditStore>(options);
    }

    static std::vector<AuditRecord> Range(std::int32_t partition, std::int64_t first, std::int64_t last,
                                          std::int64_t occurred_ms) {
        std::vector<AuditRecord> out;
        for (std::int64_t o = first; o <= last; ++o) out.push_back(MakeRecord(partition, o, occurred_ms));
        return out;
    }

    static std::unique_ptr<cosmic::testing::PostgresServer> server_;
    static int databases_;
    std::string url_;
};

std::unique_ptr<cosmic::testing::PostgresServer> PgAuditStoreTest::server_;
int PgAuditStoreTest::databases_ = 0;

TEST_F(PgAuditStoreTest, AppendsChainVerifyAndAnswerQueriesAndTheReport) {
    auto store = Open(4);
    const std::int64_t now = WallNowMs();
    std::vector<AuditRecord> batch = Range(0, 0, 9, now);
    batch.push_back(MakeInvalid(1, 0, now, std::string("{\"broken\x00\xff", 11), "event_id: missing"));
    const AppendResult appended = store->AppendBatch(batch);
    EXPECT_EQ(appended.inserted, 11u);
    EXPECT_EQ(appended.inserted_invalid, 1u);
    EXPECT_EQ(appended.checkpoints, 1u);  // partition 0: 10 pending rows >= 4
    // Redelivery: nothing is chained twice.
    EXPECT_EQ(store->AppendBatch(Range(0, 5, 12, now)).duplicates, 5u);

    const VerifyReport verify = store->Verify();
    EXPECT_TRUE(verify.ok) << (verify.first_bad ? verify.first_bad->detail : "");
    EXPECT_EQ(verify.rows_checked, 14u);
    EXPECT_EQ(verify.partitions_checked, 2u);
    EXPECT_EQ(verify.checkpoints_checked, 1u);
    EXPECT_EQ(store->Checkpoint(now), 2u);  // partition 0 rows 10-12 and partition 1 row 0

    QueryFilter filter;
    filter.valid = false;
    const QueryPage invalid = store->Query(filter);
    ASSERT_EQ(invalid.rows.size(), 1u);
    EXPECT_EQ(invalid.rows[0].record.raw, std::string("{\"broken\x00\xff", 11));
    QueryFilter paged;
    paged.limit = 5;
    paged.descending = true;
    const QueryPage first = store->Query(paged);
    ASSERT_EQ(first.rows.size(), 5u);
    ASSERT_TRUE(first.next_cursor);
    EXPECT_GT(first.rows[0].row_id, first.rows[4].row_id);

    const ComplianceReport report = store->Report(now);
    EXPECT_EQ(report.total_events, 14u);
    EXPECT_EQ(report.invalid_events, 1u);
    EXPECT_TRUE(report.verify.ok);
    EXPECT_TRUE(report.last_checkpoint);
}

TEST_F(PgAuditStoreTest, TheDatabaseRefusesUpdatesAndDeletesAndVerifyFindsTampering) {
    auto store = Open();
    store->AppendBatch(Range(0, 0, 4, WallNowMs()));
    store::pg::Connection db(url_);
    EXPECT_THROW(db.Exec("UPDATE audit_events SET payload = '{}' WHERE \"offset\" = 2"), store::pg::PgError);
    EXPECT_THROW(db.Exec("DELETE FROM audit_events WHERE \"offset\" = 4"), store::pg::PgError);
    EXPECT_THROW(db.Exec("TRUNCATE audit_events"), store::pg::PgError);
    // Only a superuser who disables the guard can rewrite history; verification then says where.
    db.Exec("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only");
    db.Exec("UPDATE audit_events SET payload = '{\"forged\":1}' WHERE \"offset\" = 2");
    const VerifyReport report = store->Verify();
    ASSERT_FALSE(report.ok);
    ASSERT_TRUE(report.first_bad);
    EXPECT_EQ(report.first_bad->offset, 2);
    EXPECT_EQ(report.first_bad->reason, "content_mismatch");
}

TEST_F(PgAuditStoreTest, AServiceRoleWithInsertAndSelectOnlyIngestsAndPurgesThroughTheFunction) {
    // What docs/postgresql.md tells an operator to set up: the owner migrates, the service role
    // gets INSERT/SELECT on the events and EXECUTE on the purge function.
    Open();  // migrate as the owner
    const std::string db_name = url_.substr(url_.rfind('/') + 1);
    server_->Execute("CREATE ROLE cosmic_audit LOGIN");
    server_->Execute(
        "GRANT SELECT, INSERT ON audit_events TO cosmic_audit; "
        "GRANT SELECT, INSERT ON audit_checkpoints TO cosmic_audit; "
        "GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO cosmic_audit; "
        "GRANT SELECT ON audit_policy, cosmic_schema_migrations TO cosmic_audit; "
        "GRANT EXECUTE ON FUNCTION cosmic_audit_purge(text, integer, bigint, bigint, bigint) TO cosmic_audit",
        db_name);
    const std::string service_url =
        "postgresql://cosmic_audit@127.0.0.1:" + std::to_string(server_->Port()) + "/" + db_name;
    PgAuditStoreOptions options;
    options.url = service_url;
    options.retention_ms = 10 * kDay;
    options.purge_chunk_rows = 3;
    PgAuditStore store(options);
    const std::int64_t now = WallNowMs();
    std::vector<AuditRecord> batch = Range(0, 0, 6, now - 20 * kDay);
    for (auto& r : Range(0, 7, 9, now)) batch.push_back(r);
    EXPECT_EQ(store.AppendBatch(batch).inserted, 10u);

    store::pg::Connection as_service(service_url);
    try {
        as_service.Exec("DELETE FROM audit_events");
        FAIL() << "the service role deleted audit rows";
    } catch (const store::pg::PgError& error) {
        EXPECT_EQ(error.SqlState(), "42501") << error.what();
    }
    EXPECT_THROW(as_service.Exec("UPDATE audit_events SET payload = '{}'"), store::pg::PgError);
    // The function refuses a cut inside the minimum retention, whoever asks.
    EXPECT_THROW(as_service.RunOnce("SELECT cosmic_audit_purge('audit-trail', 0, $1, 100, $2)",
                                    store::pg::Params().Add(now).Add(now)),
                 store::pg::PgError);

    const PurgeResult purged = store.Purge(now);
    EXPECT_EQ(purged.deleted_rows, 7u);
    EXPECT_EQ(purged.anchors_written, 3u);  // chunks of 3: 3 + 3 + 1
    const VerifyReport report = store.Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_EQ(report.rows_checked, 3u);
    EXPECT_TRUE(store.Report(now).retention_compliant);
}

TEST_F(PgAuditStoreTest, APartitionMovingToAnotherReplicaContinuesItsChain) {
    auto a = Open(5);
    auto b = Open(5);
    const std::int64_t now = WallNowMs();
    EXPECT_EQ(a->AppendBatch(Range(0, 0, 9, now)).inserted, 10u);
    // The partition moves to b, which re-receives the uncommitted tail from the group's offset.
    const AppendResult moved = b->AppendBatch(Range(0, 7, 14, now));
    EXPECT_EQ(moved.duplicates, 3u);
    EXPECT_EQ(moved.inserted, 5u);
    // And back: a's view is the database's, not its memory.
    EXPECT_EQ(a->AppendBatch(Range(0, 15, 19, now)).inserted, 5u);
    for (PgAuditStore* store : {a.get(), b.get()}) {
        const VerifyReport report = store->Verify();
        EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
        EXPECT_EQ(report.rows_checked, 20u);
    }
}

TEST_F(PgAuditStoreTest, TwoWritersRacingOnOnePartitionStoreEachOffsetOnceInOneChain) {
    auto a = Open(7);
    auto b = Open(7);
    const std::int64_t now = WallNowMs();
    // During a rebalance both replicas may briefly hold the same records: the head lock orders them.
    auto write = [&](PgAuditStore& store) {
        for (std::int64_t first = 0; first < 200; first += 10) store.AppendBatch(Range(3, first, first + 9, now));
    };
    std::thread ta([&] { write(*a); });
    std::thread tb([&] { write(*b); });
    ta.join();
    tb.join();
    const VerifyReport report = a->Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_EQ(report.rows_checked, 200u);
    EXPECT_EQ(b->Report(now).total_events, 200u);
}

TEST_F(PgAuditStoreTest, AServerRestartMidIngestLosesNothingAndReadinessShowsTheOutage) {
    auto store = Open(50);
    const std::int64_t now = WallNowMs();
    std::atomic<int> batches{0};
    std::atomic<bool> restarted{false};
    std::atomic<std::int64_t> written{0};
    std::thread ingest([&] {
        // Writes until well after the restart; a batch that meets the outage is retried inside the
        // store until the server is back.
        int after_restart = 0;
        for (std::int64_t first = 0; after_restart < 5; first += 10) {
            store->AppendBatch(Range(1, first, first + 9, now));
            written = first + 10;
            ++batches;
            if (restarted) ++after_restart;
        }
    });
    ASSERT_TRUE(cosmic::testing::WaitUntil([&] { return batches.load() >= 3; }));
    server_->Stop();
    std::string detail;
    EXPECT_FALSE(store->Ready(detail));
    server_->Start();
    restarted = true;
    ingest.join();
    EXPECT_TRUE(store->Ready(detail)) << detail;
    const VerifyReport report = store->Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_EQ(report.rows_checked, static_cast<std::uint64_t>(written.load()));
}

}  // namespace
}  // namespace cosmic::audit
