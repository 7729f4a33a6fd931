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

using PartitionId = std::pair<std::string, std::int32_t>;

class PartitionVerifier {
  public:
    PartitionVerifier(Database& db, VerifyReport& report) : db_(db), report_(report) {
        rows_ = db_.Prepare("SELECT " + std::string(kRecordColumns) +
                            R"sql( FROM audit_events WHERE topic = ?1 AND partition = ?2 ORDER BY "offset")sql");
        anchor_ = db_.Prepare("SELECT " + std::string(kCheckpointColumns) +
                              " FROM checkpoints WHERE topic = ?1 AND partition = ?2 AND kind = 'anchor' "
                              "ORDER BY checkpoint_id DESC LIMIT 1");
        checkpoints_ = db_.Prepare("SELECT " + std::string(kCheckpointColumns) +
                                   " FROM checkpoints WHERE topic = ?1 AND partition = ?2 AND kind = 'periodic' "
                                   "AND last_offset > ?3 ORDER BY last_offset, checkpoint_id");
    }

    /// Returns the first bad row of the partition, or nullopt when it verifies.
    std::optional<BadRow> Verify(const PartitionId& id, const ChainHead* live) {
        id_ = &id;
        Hash expected_prev = kGenesisHash;
        std::int64_t floor = -1;  // offsets at or below this were purged by retention
        anchor_.Reset();
        anchor_.Bind(1, std::string_view(id.first)).Bind(2, std::int64_t{id.second});
        if (anchor_.Step()) {
            CheckpointInfo anchor;
            ReadCheckpoint(anchor_, anchor);
            expected_prev = anchor.head_hash;
            floor = anchor.last_offset;
        }
        anchor_.Reset();

        std::vector<CheckpointInfo> checkpoints;
        checkpoints_.Reset();
        checkpoints_.Bind(1, std::string_view(id.first)).Bind(2, std::int64_t{id.second}).Bind(3, floor);
        while (checkpoints_.Step()) {
            ReadCheckpoint(checkpoints_, checkpoints.emplace_back());
        }
        checkpoints_.Reset();

        std::size_t next_checkpoint = 0;
        MerkleAccumulator merkle;
        std::int64_t prev_row_id = 0;
        std::int64_t last_offset = floor;

        rows_.Reset();
        rows_.Bind(1, std::string_view(id.first)).Bind(2, std::int64_t{id.second});
        while (rows_.Step()) {
            ReadStoredRecord(rows_, row_);
            ++report_.rows_checked;
            const std::int64_t offset = row_.record.offset;
            if (offset <= floor) {
                return Bad(offset, row_.row_id, "before_anchor",
                           "row at or below the retention cut (offset " + std::to_string(floor) + ") was inserted");
            }
            if (next_checkpoint < checkpoints.size() && checkpoints[next_checkpoint].last_offset < offset) {
                return MissingCheckpointRow(checkpoints[next_checkpoint]);
            }
            if (row_.row_id <= prev_row_id) {
                return Bad(offset, row_.row_id, "order",
                           "row was written before the row preceding it in offset order (rows reordered)");
            }
            if (row_.prev_hash != expected_prev) {
                return Bad(offset, row_.row_id, "prev_hash_mismatch",
                           "previous-hash link does not match the chain: a row before it was deleted, inserted "
                           "or reordered");
            }
            const Hash computed = hasher_.RowHash(expected_prev, row_.record);
            if (computed != row_.hash) {
                return Bad(offset, row_.row_id, "content_mismatch",
                           "stored hash does not match the row's content: the row was modified");
            }
            expected_prev = computed;
            prev_row_id = row_.row_id;
            last_offset = offset;

            if (next_checkpoint < checkpoints.size()) {
                const CheckpointInfo& cp = checkpoints[next_checkpoint];
                if (offset >= cp.first_offset) merkle.AddLeaf(computed, sha_);
                if (offset == cp.last_offset) {
                    if (auto bad = CheckCheckpoint(cp, computed, merkle, floor)) return bad;
                    merkle.Clear();
                    ++next_checkpoint;
                }
            }
        }
        rows_.Reset();

        if (next_checkpoint < checkpoints.size()) {
            return MissingCheckpointRow(checkpoints[next_checkpoint]);
        }
        if (live != nullptr && (live->last_offset != last_offset || live->head != expected_prev)) {
            return Bad(live->last_offset, 0, "head_mismatch",
                       "the writer's chain head is at offset " + std::to_string(live->last_offset) +
                           " but the stored chain ends at offset " + std::to_string(last_offset) +
                           ": rows at the end were deleted or replaced");
        }
        return std::nullopt;
    }

  private:
    std::optional<BadRow> CheckCheckpoint(const CheckpointInfo& cp, const Hash& head, const MerkleAccumulator& merkle,
                                          std::int64_t floor) {
        ++report_.checkpoints_checked;
        if (cp.head_hash != head) {
            return Bad(cp.last_offset, row_.row_id, "checkpoint_mismatch",
                       "checkpoint " + std::to_string(cp.checkpoint_id) +
                           " recorded a different chain head here: rows up to it were rewritten");
        }
        // A checkpoint that straddles a retention cut lost its first rows; only its head is checkable.
        if (cp.first_offset > floor) {
            if (merkle.LeafCount() != static_cast<std::uint64_t>(cp.row_count) || merkle.Root(sha_) != cp.merkle_root) {
                return Bad(cp.last_offset, row_.row_id, "checkpoint_mismatch",
                           "Merkle root of the rows covered by checkpoint " + std::to_string(cp.checkpoint_id) +
                               " does not match");
            }
        }
        return std::nullopt;
    }

    std::optional<BadRow> MissingCheckpointRow(const CheckpointInfo& cp) {
        return Bad(cp.last_offset, 0, "missing_row",
                   "checkpoint " + std::to_string(cp.checkpoint_id) + " ends at offset " +
                       std::to_string(cp.last_offset) + " but that row is not in the database: it was deleted");
    }

    std::optional<BadRow> Bad(std::int64_t offset, std::int64_t row_id, std::string reason, std::string detail) {
        rows_.Reset();
        return BadRow{id_->first, id_->second, offset, row_id, std::move(reason), std::move(detail)};
    }

    Database& db_;
    VerifyReport& report_;
    Statement rows_;
    Statement anchor_;
    Statement checkpoints_;
    ChainHasher hasher_;
    Sha256 sha_;
    StoredRecord row_;
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

    PartitionVerifier verifier(db, report);
    for (const auto& [id, live] : partitions) {
        ++report.partitions_checked;
        if (auto bad = verifier.Verify(id, live)) {
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
