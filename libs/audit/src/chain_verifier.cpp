#include "cosmic/audit/chain_verifier.hpp"

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "cosmic/audit/canonical.hpp"
#include "cosmic/audit/merkle.hpp"
#include "cosmic/audit/sqlite_schema.hpp"

namespace cosmic::audit {

namespace {

BadRow MakeBad(const std::string& topic, std::int32_t partition, std::int64_t offset, std::int64_t row_id,
               std::string reason, std::string detail) {
    return BadRow{topic, partition, offset, row_id, std::move(reason), std::move(detail)};
}

BadRow MissingCheckpointRow(const std::string& topic, std::int32_t partition, const CheckpointInfo& cp) {
    return MakeBad(topic, partition, cp.last_offset, 0, "missing_row",
                   "checkpoint " + std::to_string(cp.checkpoint_id) + " ends at offset " +
                       std::to_string(cp.last_offset) + " but that row is not in the database: it was deleted");
}

}  // namespace

std::optional<BadRow> PartitionVerifier::Verify(const std::string& topic, std::int32_t partition,
                                                PartitionSource& source, const ChainHead* live, VerifyReport& report) {
    Hash expected_prev = kGenesisHash;
    std::int64_t floor = -1;  // offsets at or below this were purged by retention
    if (const std::optional<CheckpointInfo> anchor = source.Anchor()) {
        expected_prev = anchor->head_hash;
        floor = anchor->last_offset;
    }
    const std::vector<CheckpointInfo> checkpoints = source.Checkpoints(floor);
    std::size_t next_checkpoint = 0;
    MerkleAccumulator merkle;
    std::int64_t prev_row_id = 0;
    std::int64_t last_offset = floor;
    auto bad = [&](std::int64_t offset, std::int64_t row_id, std::string reason, std::string detail) {
        return MakeBad(topic, partition, offset, row_id, std::move(reason), std::move(detail));
    };

    while (source.NextRow(row_)) {
        ++report.rows_checked;
        const std::int64_t offset = row_.record.offset;
        if (offset <= floor) {
            return bad(offset, row_.row_id, "before_anchor",
                       "row at or below the retention cut (offset " + std::to_string(floor) + ") was inserted");
        }
        if (next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint].last_offset < offset) {
            return MissingCheckpointRow(topic, partition, checkpoints[next_checkpoint]);
        }
        if (row_.row_id <= prev_row_id) {
            return bad(offset, row_.row_id, "order",
                       "row was written before the row preceding it in offset order (rows reordered)");
        }
        if (row_.prev_hash != expected_prev) {
            return bad(offset, row_.row_id, "prev_hash_mismatch",
                       "previous-hash link does not match the chain: a row before it was deleted, inserted "
                       "or reordered");
        }
        const Hash computed = hasher_.RowHash(expected_prev, row_.record);
        if (computed != row_.hash) {
            return bad(offset, row_.row_id, "content_mismatch",
                       "stored hash does not match the row's content: the row was modified");
        }
        expected_prev = computed;
        prev_row_id = row_.row_id;
        last_offset = offset;

        if (next_checkpoint < checkpoints.size()) {
            const CheckpointInfo& cp = checkpoints[next_checkpoint];
            if (offset >= cp.first_offset) merkle.AddLeaf(computed, sha_);
            if (offset == cp.last_offset) {
                ++report.checkpoints_checked;
                if (cp.head_hash != computed) {
                    return bad(cp.last_offset, row_.row_id, "checkpoint_mismatch",
                               "checkpoint " + std::to_string(cp.checkpoint_id) +
                                   " recorded a different chain head here: rows up to it were rewritten");
                }
                // A checkpoint that straddles a retention cut lost its first rows; only its head is checkable.
                if (cp.first_offset > floor && (merkle.LeafCount() != static_cast<std::uint64_t>(cp.row_count) ||
                                                merkle.Root(sha_) != cp.merkle_root)) {
                    return bad(cp.last_offset, row_.row_id, "checkpoint_mismatch",
                               "Merkle root of the rows covered by checkpoint " + std::to_string(cp.checkpoint_id) +
                                   " does not match");
                }
                merkle.Clear();
                ++next_checkpoint;
            }
        }
    }
    if (next_checkpoint < checkpoints.size()) {
        return MissingCheckpointRow(topic, partition, checkpoints[next_checkpoint]);
    }
    if (live != nullptr && (live->last_offset != last_offset || live->head != expected_prev)) {
        return bad(live->last_offset, 0, "head_mismatch",
                   "the writer's chain head is at offset " + std::to_string(live->last_offset) +
                       " but the stored chain ends at offset " + std::to_string(last_offset) +
                       ": rows at the end were deleted or replaced");
    }
    return std::nullopt;
}

namespace {

using PartitionId = std::pair<std::string, std::int32_t>;

/// Reads one partition from SQLite for the generic verifier.
class SqlitePartitionSource final : public PartitionSource {
  public:
    explicit SqlitePartitionSource(Database& db) {
        rows_ = db.Prepare("SELECT " + std::string(kRecordColumns) +
                           R"sql( FROM audit_events WHERE topic = ?1 AND partition = ?2 ORDER BY "offset")sql");
        anchor_ = db.Prepare("SELECT " + std::string(kCheckpointColumns) +
                             " FROM checkpoints WHERE topic = ?1 AND partition = ?2 AND kind = 'anchor' "
                             "ORDER BY checkpoint_id DESC LIMIT 1");
        checkpoints_ = db.Prepare("SELECT " + std::string(kCheckpointColumns) +
                                  " FROM checkpoints WHERE topic = ?1 AND partition = ?2 AND kind = 'periodic' "
                                  "AND last_offset > ?3 ORDER BY last_offset, checkpoint_id");
    }

    void Open(const PartitionId& id) {
        id_ = &id;
        rows_.Reset();
        rows_.Bind(1, std::string_view(id.first)).Bind(2, std::int64_t{id.second});
    }
    void Close() { rows_.Reset(); }

    std::optional<CheckpointInfo> Anchor() override {
        store::StatementScope scope(anchor_);
        anchor_.Bind(1, std::string_view(id_->first)).Bind(2, std::int64_t{id_->second});
        if (!anchor_.Step()) return std::nullopt;
        CheckpointInfo anchor;
        ReadCheckpoint(anchor_, anchor);
        return anchor;
    }
    std::vector<CheckpointInfo> Checkpoints(std::int64_t floor) override {
        store::StatementScope scope(checkpoints_);
        checkpoints_.Bind(1, std::string_view(id_->first)).Bind(2, std::int64_t{id_->second}).Bind(3, floor);
        std::vector<CheckpointInfo> out;
        while (checkpoints_.Step()) ReadCheckpoint(checkpoints_, out.emplace_back());
        return out;
    }
    bool NextRow(StoredRecord& row) override {
        if (!rows_.Step()) return false;
        ReadStoredRecord(rows_, row);
        return true;
    }

  private:
    Statement rows_;
    Statement anchor_;
    Statement checkpoints_;
    const PartitionId* id_ = nullptr;
};

}  // namespace

VerifyReport VerifyChains(Database& db, std::span<const ChainHead> live_heads) {
    const auto started = std::chrono::steady_clock::now();
    VerifyReport report;

    std::map<PartitionId, const ChainHead*> partitions;
    {
        // Every partition that has rows or checkpoints, plus those the writer knows about.
        Statement list = db.Prepare(
            "SELECT DISTINCT topic, partition FROM audit_events UNION SELECT topic, partition FROM checkpoints");
        while (list.Step()) {
            partitions.emplace(PartitionId{std::string(list.Text(0)), static_cast<std::int32_t>(list.Int(1))}, nullptr);
        }
    }
    for (const ChainHead& head : live_heads) {
        partitions[PartitionId{head.topic, head.partition}] = &head;
    }

    SqlitePartitionSource source(db);
    PartitionVerifier verifier;
    for (const auto& [id, live] : partitions) {
        ++report.partitions_checked;
        source.Open(id);
        auto bad = verifier.Verify(id.first, id.second, source, live, report);
        source.Close();
        if (bad) {
            report.ok = false;
            if (!report.first_bad) report.first_bad = *bad;
            report.failures.push_back(std::move(*bad));
        }
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

VerifyReport VerifyDatabaseFile(const std::string& path) {
    Database db(path, Database::Mode::kReadOnly);
    const std::int64_t found = db.UserVersion();
    if (found != kSchemaVersion) {
        throw StoreError(path + " is not an audit database (schema version " + std::to_string(found) + ", expected " +
                             std::to_string(kSchemaVersion) + ")",
                         SQLITE_MISMATCH);
    }
    Transaction snapshot(db, Transaction::Kind::kDeferred);
    VerifyReport report = VerifyChains(db, {});
    snapshot.Commit();
    return report;
}

}  // namespace cosmic::audit
