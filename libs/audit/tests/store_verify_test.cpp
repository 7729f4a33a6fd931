// Tamper evidence: every kind of change to the database file is detected and the first bad row
// is named.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "cosmic/audit/canonical.hpp"
#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

using testing::MakeRange;
using testing::MakeRecord;
using testing::RawDb;
using testing::StoreTest;

constexpr std::int64_t kBase = 1767225600000;

class VerifyTest : public StoreTest {
  protected:
    /// Two partitions of 10 rows each, checkpointed every 4 rows of a partition.
    void Fill() {
        SqliteStoreOptions options;
        options.checkpoint_every_rows = 4;
        auto& store = Open(options);
        for (int i = 0; i < 5; ++i) {
            auto batch = MakeRange(0, i * 2, 2, kBase);
            auto other = MakeRange(1, i * 2, 2, kBase);
            batch.insert(batch.end(), other.begin(), other.end());
            store.AppendBatch(batch);
        }
        ASSERT_TRUE(store.Verify().ok);
    }
    std::int64_t RowId(int partition, int offset) {
        RawDb raw(DbPath());
        return raw.Int("SELECT row_id FROM audit_events WHERE partition = " + std::to_string(partition) +
                       " AND \"offset\" = " + std::to_string(offset));
    }
    /// Offline verification of the file, as `cosmicctl audit verify --db FILE` does it.
    VerifyReport Offline() {
        Close();
        return VerifyDatabaseFile(DbPath());
    }
    static void ExpectBad(const VerifyReport& report, int partition, std::int64_t offset, std::int64_t row_id,
                          const std::string& reason) {
        ASSERT_FALSE(report.ok);
        ASSERT_TRUE(report.first_bad);
        EXPECT_EQ(report.first_bad->topic, "audit-trail");
        EXPECT_EQ(report.first_bad->partition, partition);
        EXPECT_EQ(report.first_bad->offset, offset);
        EXPECT_EQ(report.first_bad->row_id, row_id);
        EXPECT_EQ(report.first_bad->reason, reason) << report.first_bad->detail;
    }
};

TEST_F(VerifyTest, CleanDatabaseVerifiesOfflineAndLive) {
    Fill();
    const VerifyReport live = store_->Verify();
    EXPECT_TRUE(live.ok);
    EXPECT_EQ(live.rows_checked, 20u);
    EXPECT_EQ(live.partitions_checked, 2u);
    EXPECT_EQ(live.checkpoints_checked, 4u);  // two per partition (after 4 and 8 rows)
    const VerifyReport offline = Offline();
    EXPECT_TRUE(offline.ok);
    EXPECT_EQ(offline.rows_checked, 20u);
}

TEST_F(VerifyTest, DetectsAPayloadByteChangedInTheFile) {
    Fill();
    const std::int64_t row_id = RowId(0, 5);
    Close();  // the last connection checkpoints the WAL into the main file
    {
        std::fstream file(DbPath(), std::ios::in | std::ios::out | std::ios::binary);
        ASSERT_TRUE(file);
        std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
        const std::string marker = "m-0-5-x";
        const auto at = bytes.find(marker);
        ASSERT_NE(at, std::string::npos);
        ASSERT_EQ(bytes.find(marker, at + 1), std::string::npos);
        file.seekp(static_cast<std::streamoff>(at + marker.size() - 1));
        file.put('y');
    }
    {
        QueryFilter f;  // the change is visible to readers: SQLite has no page checksums
        f.limit = 100;
        auto& store = Open();
        bool seen = false;
        for (const auto& row : store.Query(f).rows)
            seen = seen || row.record.payload.find("m-0-5-y") != std::string::npos;
        EXPECT_TRUE(seen);
    }
    ExpectBad(Offline(), 0, 5, row_id, "content_mismatch");
}

TEST_F(VerifyTest, UpdatesAreRejectedAndDetectedWhenForced) {
    Fill();
    RawDb raw(DbPath());
    EXPECT_THROW(raw.Exec("UPDATE audit_events SET user_id = 'mallory' WHERE \"offset\" = 3"), std::runtime_error);
    raw.Exec("DROP TRIGGER audit_events_append_only");
    raw.Exec("UPDATE audit_events SET user_id = 'mallory' WHERE partition = 1 AND \"offset\" = 3");
    ExpectBad(store_->Verify(), 1, 3, RowId(1, 3), "content_mismatch");
}

TEST_F(VerifyTest, DetectsADeletedRowAtTheNextRow) {
    Fill();
    const std::int64_t next = RowId(0, 6);
    RawDb(DbPath()).Exec("DELETE FROM audit_events WHERE partition = 0 AND \"offset\" = 5");
    ExpectBad(Offline(), 0, 6, next, "prev_hash_mismatch");
}

TEST_F(VerifyTest, DetectsADeletedCheckpointRow) {
    Fill();
    // Offset 3 ends the first checkpoint of partition 0.
    RawDb(DbPath()).Exec("DELETE FROM audit_events WHERE partition = 0 AND \"offset\" = 3");
    ExpectBad(Offline(), 0, 3, 0, "missing_row");
}

TEST_F(VerifyTest, DetectsDeletedTailRowsWhileRunning) {
    Fill();
    RawDb(DbPath()).Exec("DELETE FROM audit_events WHERE partition = 1 AND \"offset\" >= 8");
    // The writer still knows the head; offline, rows after the last checkpoint are only covered
    // by the next checkpoint (README "Limits").
    ExpectBad(store_->Verify(), 1, 9, 0, "head_mismatch");
}

TEST_F(VerifyTest, DetectsSwappedOffsets) {
    Fill();
    const std::int64_t moved = RowId(0, 2);
    RawDb raw(DbPath());
    raw.Exec("DROP TRIGGER audit_events_append_only");
    raw.Exec("UPDATE audit_events SET \"offset\" = -1 WHERE partition = 0 AND \"offset\" = 1");
    raw.Exec("UPDATE audit_events SET \"offset\" = 1 WHERE partition = 0 AND \"offset\" = 2");
    raw.Exec("UPDATE audit_events SET \"offset\" = 2 WHERE partition = 0 AND \"offset\" = -1");
    ExpectBad(Offline(), 0, 1, moved, "prev_hash_mismatch");
}

TEST_F(VerifyTest, DetectsSwappedRowPositions) {
    Fill();
    // Whole rows trade places in the table (row ids swapped), content and hashes intact.
    const std::int64_t a = RowId(1, 6);
    const std::int64_t b = RowId(1, 7);
    RawDb raw(DbPath());
    raw.Exec("DROP TRIGGER audit_events_append_only");
    raw.Exec("UPDATE audit_events SET row_id = -1 WHERE row_id = " + std::to_string(a));
    raw.Exec("UPDATE audit_events SET row_id = " + std::to_string(a) + " WHERE row_id = " + std::to_string(b));
    raw.Exec("UPDATE audit_events SET row_id = " + std::to_string(b) + " WHERE row_id = -1");
    ExpectBad(Offline(), 1, 7, a, "order");
}

class InsertTest : public VerifyTest {
  protected:
    /// Offsets 0, 10, 20, ... 90 in partition 0 (gaps are legitimate in Kafka).
    void FillSparse() {
        auto& store = Open();
        std::vector<AuditRecord> records;
        for (int i = 0; i < 10; ++i) records.push_back(MakeRecord(0, i * 10, kBase + i));
        store.AppendBatch(records);
        ASSERT_TRUE(store.Verify().ok);
    }
    void Insert(const AuditRecord& r, const Hash& prev, const Hash& hash) {
        RawDb raw(DbPath());
        sqlite3_stmt* stmt = nullptr;
        ASSERT_EQ(
            sqlite3_prepare_v2(raw.Handle(),
                               "INSERT INTO audit_events (topic, partition, \"offset\", kafka_timestamp_ms, "
                               "valid, event_id, event_type, occurred_at, occurred_at_ms, source, "
                               "correlation_id, user_id, resource_id, job_id, action, payload, ingested_at_ms, "
                               "prev_hash, hash) VALUES (?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                               -1, &stmt, nullptr),
            SQLITE_OK);
        int i = 0;
        const auto text = [&](const std::string& s) { sqlite3_bind_text(stmt, ++i, s.c_str(), -1, SQLITE_TRANSIENT); };
        text(r.topic);
        sqlite3_bind_int64(stmt, ++i, r.partition);
        sqlite3_bind_int64(stmt, ++i, r.offset);
        text(r.event_id);
        text(r.event_type);
        text(r.occurred_at);
        sqlite3_bind_int64(stmt, ++i, r.occurred_at_ms);
        text(r.source);
        text(r.correlation_id);
        text(r.user_id);
        text(r.resource_id);
        text(r.job_id);
        text(r.action);
        text(r.payload);
        sqlite3_bind_blob(stmt, ++i, prev.data(), 32, SQLITE_TRANSIENT);
        sqlite3_bind_blob(stmt, ++i, hash.data(), 32, SQLITE_TRANSIENT);
        ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
        sqlite3_finalize(stmt);
    }
    Hash StoredHash(int offset) {
        QueryFilter f;
        f.limit = 100;
        for (const auto& row : store_->Query(f).rows) {
            if (row.record.offset == offset) return row.hash;
        }
        ADD_FAILURE() << "no row at " << offset;
        return {};
    }
};

TEST_F(InsertTest, DetectsAnInsertedRowWithAForgedHash) {
    FillSparse();
    Insert(MakeRecord(0, 35, kBase), Sha256::Of("forged"), Sha256::Of("forged"));
    Close();
    const auto report = VerifyDatabaseFile(DbPath());
    ASSERT_TRUE(report.first_bad);
    EXPECT_EQ(report.first_bad->offset, 35);
    EXPECT_EQ(report.first_bad->reason, "prev_hash_mismatch");
}

TEST_F(InsertTest, DetectsAnInsertedRowWithACorrectlyChainedHash) {
    FillSparse();
    const AuditRecord forged = MakeRecord(0, 45, kBase);
    const Hash prev = StoredHash(40);
    ChainHasher hasher;
    Insert(forged, prev, hasher.RowHash(prev, forged));
    // Even written in a position that keeps row ids ordered, the next row's link breaks.
    RawDb raw(DbPath());
    raw.Exec("DROP TRIGGER audit_events_append_only");
    raw.Exec("UPDATE audit_events SET row_id = 1000 + \"offset\"");
    ExpectBad(Offline(), 0, 50, 1050, "prev_hash_mismatch");
}

TEST_F(InsertTest, DetectsARowAppendedBehindTheWritersBack) {
    FillSparse();
    const AuditRecord forged = MakeRecord(0, 95, kBase);
    const Hash prev = StoredHash(90);
    ChainHasher hasher;
    Insert(forged, prev, hasher.RowHash(prev, forged));
    ExpectBad(store_->Verify(), 0, 90, 0, "head_mismatch");
}

TEST_F(VerifyTest, DetectsARewrittenChainThroughItsCheckpoint) {
    Fill();
    // Modify offset 1 and recompute every later hash of the partition, as a careful attacker
    // would; only the checkpoint still remembers the original chain.
    Close();
    {
        RawDb raw(DbPath());
        raw.Exec("DROP TRIGGER audit_events_append_only");
        raw.Exec("UPDATE audit_events SET user_id = 'mallory' WHERE partition = 0 AND \"offset\" = 1");
    }
    {
        SqliteStoreOptions options;
        options.path = DbPath();
        SqliteAuditStore reader(options);
        QueryFilter f;
        f.limit = 100;
        const auto rows = reader.Query(f).rows;
        RawDb raw(DbPath());
        raw.Exec("DROP TRIGGER audit_events_append_only");  // opening the store re-created it
        ChainHasher hasher;
        Hash prev = kGenesisHash;
        for (const auto& row : rows) {
            if (row.record.partition != 0) continue;
            const Hash h = hasher.RowHash(prev, row.record);
            sqlite3_stmt* stmt = nullptr;
            sqlite3_prepare_v2(raw.Handle(), "UPDATE audit_events SET prev_hash = ?, hash = ? WHERE row_id = ?", -1,
                               &stmt, nullptr);
            sqlite3_bind_blob(stmt, 1, prev.data(), 32, SQLITE_TRANSIENT);
            sqlite3_bind_blob(stmt, 2, h.data(), 32, SQLITE_TRANSIENT);
            sqlite3_bind_int64(stmt, 3, row.row_id);
            ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE);
            sqlite3_finalize(stmt);
            prev = h;
        }
    }
    const auto report = VerifyDatabaseFile(DbPath());
    ASSERT_TRUE(report.first_bad);
    EXPECT_EQ(report.first_bad->offset, 3);  // the end of the first checkpoint
    EXPECT_EQ(report.first_bad->reason, "checkpoint_mismatch");
}

TEST_F(VerifyTest, ReportsEveryFailingPartition) {
    Fill();
    RawDb raw(DbPath());
    raw.Exec("DELETE FROM audit_events WHERE \"offset\" = 6");
    const VerifyReport report = Offline();
    ASSERT_EQ(report.failures.size(), 2u);
    EXPECT_EQ(report.failures[0].partition, 0);
    EXPECT_EQ(report.failures[1].partition, 1);
    EXPECT_EQ(report.first_bad->partition, 0);
}

TEST_F(VerifyTest, RefusesAFileThatIsNotAnAuditDatabase) {
    {
        RawDb raw(DbPath());
        raw.Exec("CREATE TABLE t (x)");
    }
    EXPECT_THROW(VerifyDatabaseFile(DbPath()), StoreError);
    EXPECT_THROW(VerifyDatabaseFile((dir_.Path() / "missing.db").string()), StoreError);
}

}  // namespace
}  // namespace cosmic::audit
