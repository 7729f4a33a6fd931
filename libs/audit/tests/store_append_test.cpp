// Append, dedupe, query and pagination on the SQLite audit store.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

using testing::MakeInvalid;
using testing::MakeRange;
using testing::MakeRecord;
using testing::RawDb;
using testing::StoreTest;

constexpr std::int64_t kBase = 1767225600000;  // 2026-01-01T00:00:00Z

std::int64_t Count(const std::string& path, const std::string& where = "1") {
    RawDb raw(path);
    return raw.Int("SELECT COUNT(*) FROM audit_events WHERE " + where);
}

TEST_F(StoreTest, AppendsAndQueriesEverything) {
    auto& store = Open();
    auto records = MakeRange(0, 0, 10, kBase);
    auto more = MakeRange(1, 0, 5, kBase);
    records.insert(records.end(), more.begin(), more.end());
    const AppendResult result = store.AppendBatch(records);
    EXPECT_EQ(result.inserted, 15u);
    EXPECT_EQ(result.duplicates, 0u);

    QueryFilter all;
    all.limit = 100;
    const QueryPage page = store.Query(all);
    ASSERT_EQ(page.rows.size(), 15u);
    EXPECT_FALSE(page.next_cursor);
    const StoredRecord& first = page.rows.front();
    EXPECT_EQ(first.record.topic, "audit-trail");
    EXPECT_EQ(first.record.partition, 0);
    EXPECT_EQ(first.record.offset, 0);
    EXPECT_EQ(first.record.payload, records[0].payload);
    EXPECT_EQ(first.record.occurred_at, records[0].occurred_at);
    EXPECT_EQ(first.prev_hash, kGenesisHash);
    EXPECT_EQ(page.rows[1].prev_hash, first.hash);
    EXPECT_TRUE(store.Verify().ok);
}

TEST_F(StoreTest, PaginatesWithAStableCursor) {
    auto& store = Open();
    store.AppendBatch(MakeRange(0, 0, 10, kBase));
    QueryFilter filter;
    filter.limit = 4;
    std::vector<std::int64_t> seen;
    QueryPage page = store.Query(filter);
    ASSERT_EQ(page.rows.size(), 4u);
    ASSERT_TRUE(page.next_cursor);
    for (const auto& row : page.rows) seen.push_back(row.record.offset);

    // Rows appended between pages neither shift nor repeat what the cursor already returned.
    store.AppendBatch(MakeRange(0, 10, 3, kBase + 100000));
    while (page.next_cursor) {
        filter.cursor = page.next_cursor;
        page = store.Query(filter);
        for (const auto& row : page.rows) seen.push_back(row.record.offset);
    }
    ASSERT_EQ(seen.size(), 13u);
    for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int64_t>(i));

    // Newest first.
    QueryFilter desc;
    desc.descending = true;
    desc.limit = 5;
    page = store.Query(desc);
    ASSERT_EQ(page.rows.size(), 5u);
    EXPECT_EQ(page.rows.front().record.offset, 12);
    desc.cursor = page.next_cursor;
    page = store.Query(desc);
    EXPECT_EQ(page.rows.front().record.offset, 7);
}

TEST_F(StoreTest, FiltersByEveryField) {
    auto& store = Open();
    std::vector<AuditRecord> records = {
        MakeRecord(0, 0, kBase, "job-a", "alice", "CREATE"),
        MakeRecord(0, 1, kBase + 1000, "job-a", "bob", "STATE_CHANGE"),
        MakeRecord(0, 2, kBase + 2000, "job-b", "alice", "STATE_CHANGE"),
        MakeRecord(1, 0, kBase + 3000, "monitor", "", "ALERT"),
        MakeInvalid(1, 1, kBase + 4000, "not json", "document: invalid JSON"),
    };
    records[3].job_id.clear();
    store.AppendBatch(records);
    auto count = [&](QueryFilter f) {
        f.limit = 100;
        return store.Query(f).rows.size();
    };
    QueryFilter f;
    f.resource_id = "job-a";
    EXPECT_EQ(count(f), 2u);
    f = {};
    f.job_id = "job-b";
    EXPECT_EQ(count(f), 1u);
    f = {};
    f.user_id = "alice";
    EXPECT_EQ(count(f), 2u);
    f = {};
    f.action = "ALERT";
    EXPECT_EQ(count(f), 1u);
    f = {};
    f.from_ms = kBase + 1000;
    f.to_ms = kBase + 3000;  // exclusive
    EXPECT_EQ(count(f), 2u);
    f = {};
    f.valid = false;
    EXPECT_EQ(count(f), 1u);
    f = {};
    f.valid = true;
    f.user_id = "alice";
    f.action = "STATE_CHANGE";
    EXPECT_EQ(count(f), 1u);
}

TEST_F(StoreTest, FilterValuesAreBoundNotInterpolated) {
    auto& store = Open();
    store.AppendBatch(MakeRange(0, 0, 3, kBase));
    QueryFilter f;
    f.resource_id = "x' OR '1'='1";
    EXPECT_EQ(store.Query(f).rows.size(), 0u);
    f.resource_id = "job-1'); DROP TABLE audit_events; --";
    EXPECT_EQ(store.Query(f).rows.size(), 0u);
    EXPECT_EQ(Count(DbPath()), 3);
}

TEST_F(StoreTest, StoresInvalidRecordsFlaggedWithViolationAndRawBytes) {
    auto& store = Open();
    const std::string raw("{\"event_id\":\"e1\",\"resource_id\":7,\xff}", 36);
    AuditRecord bad = MakeInvalid(0, 0, kBase, raw, "resource_id: expected string");
    bad.event_id = "e1";
    store.AppendBatch(std::vector<AuditRecord>{bad, MakeRecord(0, 1, kBase)});
    QueryFilter f;
    f.valid = false;
    const QueryPage page = store.Query(f);
    ASSERT_EQ(page.rows.size(), 1u);
    const AuditRecord& r = page.rows[0].record;
    EXPECT_FALSE(r.valid);
    EXPECT_EQ(r.violation, "resource_id: expected string");
    EXPECT_EQ(r.raw, raw);  // byte-for-byte, including the invalid UTF-8
    EXPECT_EQ(r.event_id, "e1");
    EXPECT_TRUE(store.Verify().ok);
}

TEST_F(StoreTest, RedeliveryNeverDuplicatesOrRechains) {
    auto& store = Open();
    const auto batch = MakeRange(0, 0, 10, kBase);
    store.AppendBatch(batch);
    const Hash head_before = store.Heads().at(0).head;

    // The same batch again, then a batch overlapping old and new offsets.
    AppendResult again = store.AppendBatch(batch);
    EXPECT_EQ(again.inserted, 0u);
    EXPECT_EQ(again.duplicates, 10u);
    EXPECT_EQ(store.Heads().at(0).head, head_before);
    const auto overlap = MakeRange(0, 5, 10, kBase);
    again = store.AppendBatch(overlap);
    EXPECT_EQ(again.inserted, 5u);
    EXPECT_EQ(again.duplicates, 5u);
    EXPECT_EQ(Count(DbPath()), 15);
    EXPECT_TRUE(store.Verify().ok);
}

TEST_F(StoreTest, ReopenedStoreContinuesTheChainAndDedupes) {
    // A crash after the batch committed but before the consumer stored its offsets: the batch
    // is delivered again to a new process.
    Open();
    store_->AppendBatch(MakeRange(0, 0, 8, kBase));
    store_->AppendBatch(MakeRange(2, 0, 3, kBase));
    Close();

    auto& store = Open();
    const AppendResult result = store.AppendBatch(MakeRange(0, 4, 10, kBase));
    EXPECT_EQ(result.inserted, 6u);
    EXPECT_EQ(result.duplicates, 4u);
    EXPECT_EQ(Count(DbPath()), 17);
    EXPECT_EQ(Count(DbPath(), "partition = 0"), 14);
    const VerifyReport report = store.Verify();
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_EQ(report.rows_checked, 17u);
}

TEST_F(StoreTest, FailedBatchLeavesNothingBehind) {
    auto& store = Open();
    store.AppendBatch(MakeRange(0, 0, 3, kBase));
    {
        // A conflicting row the writer does not know about makes the next insert fail.
        RawDb raw(DbPath());
        raw.Exec(
            "INSERT INTO audit_events (topic, partition, \"offset\", kafka_timestamp_ms, valid, event_id, "
            "event_type, occurred_at, occurred_at_ms, source, correlation_id, payload, ingested_at_ms, prev_hash, "
            "hash) VALUES ('audit-trail', 0, 4, 0, 1, 'x', 'x', 'x', 0, 'x', 'x', '{}', 0, x'00', x'00')");
    }
    const Hash head = store.Heads().at(0).head;
    EXPECT_THROW(store.AppendBatch(MakeRange(0, 3, 2, kBase)), StoreError);
    EXPECT_EQ(store.Heads().at(0).head, head);
    EXPECT_EQ(store.Heads().at(0).last_offset, 2);
    EXPECT_EQ(Count(DbPath()), 4);  // offset 3 rolled back with the batch

    {
        RawDb raw(DbPath());
        raw.Exec("DELETE FROM audit_events WHERE \"offset\" = 4");
    }
    EXPECT_EQ(store.AppendBatch(MakeRange(0, 3, 2, kBase)).inserted, 2u);
    EXPECT_TRUE(store.Verify().ok);
}

TEST_F(StoreTest, WritesPeriodicCheckpointsWithMerkleRoots) {
    SqliteStoreOptions options;
    options.checkpoint_every_rows = 10;
    auto& store = Open(options);
    std::size_t checkpoints = 0;
    for (int i = 0; i < 5; ++i) checkpoints += store.AppendBatch(MakeRange(0, i * 6, 6, kBase)).checkpoints;
    EXPECT_EQ(checkpoints, 2u);              // after 12 and 24 pending rows
    EXPECT_EQ(store.Checkpoint(kBase), 1u);  // the 6 rows since
    EXPECT_EQ(store.Checkpoint(kBase), 0u);  // nothing new
    RawDb raw(DbPath());
    EXPECT_EQ(raw.Int("SELECT COUNT(*) FROM checkpoints WHERE kind = 'periodic'"), 3);
    EXPECT_EQ(raw.Int("SELECT SUM(row_count) FROM checkpoints"), 30);
    const VerifyReport report = store.Verify();
    EXPECT_TRUE(report.ok);
    EXPECT_EQ(report.checkpoints_checked, 3u);
}

TEST_F(StoreTest, PendingCheckpointRowsSurviveRestart) {
    SqliteStoreOptions options;
    options.checkpoint_every_rows = 10;
    Open(options);
    store_->AppendBatch(MakeRange(0, 0, 7, kBase));
    Close();
    auto& store = Open(options);
    EXPECT_EQ(store.AppendBatch(MakeRange(0, 7, 4, kBase)).checkpoints, 1u);
    RawDb raw(DbPath());
    EXPECT_EQ(raw.Int("SELECT row_count FROM checkpoints"), 11);
    EXPECT_EQ(raw.Int("SELECT first_offset FROM checkpoints"), 0);
    EXPECT_TRUE(store.Verify().ok);
}

TEST_F(StoreTest, ReadersRunBesideTheWriter) {
    auto& store = Open();
    std::atomic<bool> done{false};
    std::atomic<int> failures{0};
    std::thread reader([&] {
        while (!done) {
            QueryFilter f;
            f.limit = 50;
            try {
                const auto page = store.Query(f);
                if (!store.Verify().ok) ++failures;
                (void)page;
            } catch (const std::exception&) {
                ++failures;
            }
        }
    });
    for (int i = 0; i < 40; ++i) store.AppendBatch(MakeRange(i % 3, (i / 3) * 25, 25, kBase));
    done = true;
    reader.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_TRUE(store.Verify().ok);
}

TEST_F(StoreTest, OnlyOneWriterPerDatabase) {
    Open();
    SqliteStoreOptions options;
    options.path = DbPath();
    EXPECT_THROW(SqliteAuditStore second(options), StoreError);
    Close();
    EXPECT_NO_THROW(SqliteAuditStore again(options));
}

TEST_F(StoreTest, RejectsADatabaseFromAnotherSchemaVersion) {
    {
        RawDb raw(DbPath());
        raw.Exec("PRAGMA user_version = 99");
    }
    EXPECT_THROW(Open(), StoreError);
}

}  // namespace
}  // namespace cosmic::audit
