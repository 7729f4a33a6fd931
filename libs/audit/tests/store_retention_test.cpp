// Retention purges expired rows in chain order and anchors the cut so the rest still verifies;
// the compliance report summarises the store.

#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

using testing::MakeInvalid;
using testing::MakeRange;
using testing::MakeRecord;
using testing::RawDb;
using testing::StoreTest;

constexpr std::int64_t kNow = 1767225600000 + 200 * kDayMs;

std::vector<std::int64_t> Offsets(AuditStore& store, int partition) {
    QueryFilter f;
    f.limit = 1000;
    std::vector<std::int64_t> out;
    for (const auto& row : store.Query(f).rows) {
        if (row.record.partition == partition) out.push_back(row.record.offset);
    }
    return out;
}

TEST_F(StoreTest, RetentionExpiresAt91DaysAndKeeps89And90) {
    auto& store = Open();  // default retention: 90 days
    store.AppendBatch(std::vector<AuditRecord>{
        MakeRecord(0, 0, kNow - 91 * kDayMs),
        MakeRecord(0, 1, kNow - 90 * kDayMs - 1),  // a millisecond past the window
        MakeRecord(0, 2, kNow - 90 * kDayMs),      // exactly 90 days: not older than the window
        MakeRecord(0, 3, kNow - 89 * kDayMs),
        MakeRecord(0, 4, kNow - kDayMs),
    });
    const PurgeResult purge = store.Purge(kNow);
    EXPECT_EQ(purge.deleted_rows, 2u);
    EXPECT_EQ(Offsets(store, 0), (std::vector<std::int64_t>{2, 3, 4}));

    const VerifyReport live = store.Verify();
    EXPECT_TRUE(live.ok) << (live.first_bad ? live.first_bad->detail : "");
    const ComplianceReport report = store.Report(kNow);
    EXPECT_TRUE(report.retention_compliant);
    EXPECT_EQ(report.overdue_events, 0u);
    EXPECT_EQ(report.retention_days, 90);
    EXPECT_TRUE(report.verify.ok);

    // The chain continues from the cut, across a restart, and verifies offline.
    store.AppendBatch(std::vector<AuditRecord>{MakeRecord(0, 5, kNow)});
    Close();
    Open().AppendBatch(std::vector<AuditRecord>{MakeRecord(0, 6, kNow)});
    EXPECT_TRUE(store_->Verify().ok);
    Close();
    EXPECT_TRUE(VerifyDatabaseFile(DbPath()).ok);
    RawDb raw(DbPath());
    EXPECT_EQ(raw.Int("SELECT last_offset FROM checkpoints WHERE kind = 'anchor'"), 1);
}

TEST_F(StoreTest, RetentionWindowIsConfigurable) {
    SqliteStoreOptions options;
    options.retention_ms = 7 * kDayMs;
    auto& store = Open(options);
    store.AppendBatch(
        std::vector<AuditRecord>{MakeRecord(0, 0, kNow - 8 * kDayMs), MakeRecord(0, 1, kNow - 6 * kDayMs)});
    EXPECT_EQ(store.Purge(kNow).deleted_rows, 1u);
    EXPECT_EQ(store.Report(kNow).retention_days, 7);
}

TEST_F(StoreTest, ANewerRowKeepsEverythingAfterIt) {
    auto& store = Open();
    store.AppendBatch(std::vector<AuditRecord>{
        MakeRecord(0, 0, kNow - 91 * kDayMs),
        MakeRecord(0, 1, kNow - 10 * kDayMs),
        MakeRecord(0, 2, kNow - 95 * kDayMs),  // arrived late: kept behind offset 1
        MakeRecord(0, 3, kNow - 5 * kDayMs),
    });
    EXPECT_EQ(store.Purge(kNow).deleted_rows, 1u);
    EXPECT_EQ(Offsets(store, 0), (std::vector<std::int64_t>{1, 2, 3}));
    const ComplianceReport report = store.Report(kNow);
    EXPECT_EQ(report.overdue_events, 1u);
    EXPECT_FALSE(report.retention_compliant);
    EXPECT_TRUE(report.verify.ok);
}

TEST_F(StoreTest, PurgingAWholePartitionKeepsItsChainAnchored) {
    auto& store = Open();
    store.AppendBatch(MakeRange(0, 0, 5, kNow - 100 * kDayMs));
    store.AppendBatch(MakeRange(1, 0, 5, kNow - kDayMs));
    EXPECT_EQ(store.Purge(kNow).deleted_rows, 5u);
    EXPECT_TRUE(Offsets(store, 0).empty());
    EXPECT_TRUE(store.Verify().ok);
    // Redelivered purged offsets are not stored again.
    EXPECT_EQ(store.AppendBatch(MakeRange(0, 0, 5, kNow - 100 * kDayMs)).inserted, 0u);
    Close();
    auto& reopened = Open();
    EXPECT_EQ(reopened.AppendBatch(MakeRange(0, 3, 4, kNow)).inserted, 2u);  // offsets 5 and 6
    EXPECT_TRUE(reopened.Verify().ok);
    Close();
    EXPECT_TRUE(VerifyDatabaseFile(DbPath()).ok);
}

TEST_F(StoreTest, PurgesInChunksLeavingOneAnchor) {
    SqliteStoreOptions options;
    options.purge_chunk_rows = 3;
    options.checkpoint_every_rows = 4;
    auto& store = Open(options);
    // Checkpoints after each batch of 4: [0..3], [4..7], [8..11]; offsets 0..9 are expired.
    store.AppendBatch(MakeRange(0, 0, 4, kNow - 100 * kDayMs));
    store.AppendBatch(MakeRange(0, 4, 4, kNow - 100 * kDayMs));
    auto last = MakeRange(0, 8, 2, kNow - 100 * kDayMs);
    const auto fresh = MakeRange(0, 10, 2, kNow - kDayMs);
    last.insert(last.end(), fresh.begin(), fresh.end());
    store.AppendBatch(last);
    const PurgeResult purge = store.Purge(kNow);
    EXPECT_EQ(purge.deleted_rows, 10u);
    EXPECT_EQ(purge.anchors_written, 4u);
    RawDb raw(DbPath());
    EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM checkpoints WHERE kind = 'anchor'"), 1);
    // Checkpoints wholly behind the cut are gone; the one straddling it (8..11) stays.
    EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM checkpoints WHERE kind = 'periodic'"), 1);
    const VerifyReport report = store.Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_EQ(report.checkpoints_checked, 1u);
}

TEST_F(StoreTest, TamperingAfterAPurgeIsStillDetected) {
    auto& store = Open();
    store.AppendBatch(MakeRange(0, 0, 4, kNow - 100 * kDayMs));
    store.AppendBatch(MakeRange(0, 4, 4, kNow - kDayMs));
    store.Purge(kNow);
    {
        // The first row after the cut disappears.
        RawDb raw(DbPath());
        raw.Exec("DELETE FROM audit_events WHERE \"offset\" = 4");
    }
    VerifyReport report = store.Verify();
    ASSERT_TRUE(report.first_bad);
    EXPECT_EQ(report.first_bad->offset, 5);
    EXPECT_EQ(report.first_bad->reason, "prev_hash_mismatch");
}

TEST_F(StoreTest, ARowSmuggledBehindTheCutIsDetected) {
    auto& store = Open();
    store.AppendBatch(MakeRange(0, 0, 4, kNow - 100 * kDayMs));
    store.AppendBatch(MakeRange(0, 4, 2, kNow - kDayMs));
    store.Purge(kNow);
    {
        RawDb raw(DbPath());
        raw.Exec(
            "INSERT INTO audit_events (topic, partition, \"offset\", kafka_timestamp_ms, valid, event_id, "
            "event_type, occurred_at, occurred_at_ms, source, correlation_id, payload, ingested_at_ms, prev_hash, "
            "hash) VALUES ('audit-trail', 0, 2, 0, 1, 'x', 'x', 'x', 0, 'x', 'x', '{}', 0, x'00', x'00')");
    }
    const VerifyReport report = store.Verify();
    ASSERT_TRUE(report.first_bad);
    EXPECT_EQ(report.first_bad->offset, 2);
    EXPECT_EQ(report.first_bad->reason, "before_anchor");
}

TEST_F(StoreTest, ComplianceReportOnAKnownDataSet) {
    SqliteStoreOptions options;
    options.checkpoint_every_rows = 1000;
    auto& store = Open(options);
    AuditRecord alert = MakeRecord(1, 0, kNow - 2 * kDayMs, "health-monitor", "", "ALERT");
    alert.job_id.clear();
    store.AppendBatch(std::vector<AuditRecord>{
        MakeRecord(0, 0, kNow - 10 * kDayMs, "job-a", "u1", "CREATE"),
        MakeRecord(0, 1, kNow - 5 * kDayMs, "job-a", "u1", "STATE_CHANGE"),
        MakeRecord(0, 2, kNow - 3 * kDayMs, "job-b", "u2", "STATE_CHANGE"),
        alert,
        MakeInvalid(1, 1, kNow - kDayMs, "{broken", "document: invalid JSON"),
    });
    ComplianceReport report = store.Report(kNow);
    EXPECT_EQ(report.total_events, 5u);
    EXPECT_EQ(report.invalid_events, 1u);
    EXPECT_EQ(report.resources_covered, 3u);  // job-a, job-b, health-monitor
    EXPECT_EQ(report.jobs_covered, 2u);
    ASSERT_TRUE(report.oldest_event_ms);
    EXPECT_EQ(*report.oldest_event_ms, kNow - 10 * kDayMs);
    EXPECT_EQ(*report.newest_event_ms, kNow - kDayMs);
    EXPECT_EQ(report.retention_days, 90);
    EXPECT_TRUE(report.retention_compliant);
    EXPECT_TRUE(report.verify.ok);
    EXPECT_EQ(report.generated_at_ms, kNow);
    EXPECT_FALSE(report.last_checkpoint);

    EXPECT_EQ(store.Checkpoint(kNow), 2u);
    report = store.Report(kNow);
    ASSERT_TRUE(report.last_checkpoint);
    EXPECT_EQ(report.last_checkpoint->kind, "periodic");
    EXPECT_EQ(report.last_checkpoint->created_at_ms, kNow);

    {
        RawDb raw(DbPath());
        raw.Exec("DELETE FROM audit_events WHERE \"offset\" = 1 AND partition = 0");
    }
    report = store.Report(kNow);
    EXPECT_FALSE(report.verify.ok);
}

TEST_F(StoreTest, ReportOnAnEmptyStore) {
    auto& store = Open();
    const ComplianceReport report = store.Report(kNow);
    EXPECT_EQ(report.total_events, 0u);
    EXPECT_FALSE(report.oldest_event_ms);
    EXPECT_TRUE(report.retention_compliant);
    EXPECT_TRUE(report.verify.ok);
}

}  // namespace
}  // namespace cosmic::audit
