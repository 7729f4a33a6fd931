#include "cosmic/audit/sqlite_audit_store.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

#include "cosmic/audit/sqlite_schema.hpp"

namespace cosmic::audit {

namespace {

constexpr std::string_view kInsertSql = R"sql(
INSERT INTO audit_events (topic, partition, "offset", kafka_timestamp_ms, valid, violation, raw, event_id,
    event_type, occurred_at, occurred_at_ms, source, correlation_id, user_id, resource_id, job_id, action, payload,
    ingested_at_ms, prev_hash, hash)
VALUES (?1, ?2, ?3, ?4, ?5, NULLIF(?6, ''), ?7, ?8, ?9, ?10, ?11, ?12, ?13, NULLIF(?14, ''), NULLIF(?15, ''),
    NULLIF(?16, ''), NULLIF(?17, ''), ?18, ?19, ?20, ?21))sql";

constexpr std::string_view kInsertCheckpointSql = R"sql(
INSERT INTO checkpoints (kind, topic, partition, first_offset, last_offset, row_count, head_hash, merkle_root,
    created_at_ms)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9))sql";

}  // namespace

SqliteAuditStore::SqliteAuditStore(SqliteStoreOptions options) : options_(std::move(options)) {
    if (options_.checkpoint_every_rows == 0) options_.checkpoint_every_rows = 1;
    if (options_.purge_chunk_rows == 0) options_.purge_chunk_rows = 1;
    // A second writer process would chain from stale in-memory heads: one writer per database.
    lock_ = std::make_unique<FileLock>(options_.path + ".lock",
                                       options_.path + " is in use by another audit-consumer process");
    writer_ = std::make_unique<Database>(options_.path, Database::Mode::kReadWrite, options_.busy_timeout_ms);
    Configure();
    PrepareWriterStatements();
    LoadPartitions();
    readers_ = std::make_unique<ReadPool>(options_.path, options_.read_connections, options_.cache_size_kib,
                                          options_.busy_timeout_ms);
    if (options_.wal_checkpoint_interval.count() > 0) {
        wal_checkpointer_ = std::make_unique<WalCheckpointer>(
            options_.path, options_.durable, options_.wal_checkpoint_interval, options_.busy_timeout_ms);
    }
}

SqliteAuditStore::~SqliteAuditStore() = default;

void SqliteAuditStore::Configure() {
    Database& db = *writer_;
    db.EnableWal();
    db.Exec(options_.durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db.Exec("PRAGMA cache_size = -" + std::to_string(options_.cache_size_kib));
    db.Exec("PRAGMA temp_store = MEMORY");
    db.Exec("PRAGMA wal_autocheckpoint = " + std::to_string(options_.wal_autocheckpoint_pages));

    const std::int64_t version = db.UserVersion();
    if (version != 0 && version != kSchemaVersion) {
        throw StoreError("sqlite: " + options_.path + " has audit schema version " + std::to_string(version) +
                             ", this build understands " + std::to_string(kSchemaVersion),
                         SQLITE_MISMATCH);
    }
    Transaction txn(db);
    db.Exec(kCreateSchemaSql);
    db.SetUserVersion(kSchemaVersion);
    txn.Commit();
}

void SqliteAuditStore::PrepareWriterStatements() {
    Database& db = *writer_;
    insert_ = db.Prepare(kInsertSql);
    insert_checkpoint_ = db.Prepare(kInsertCheckpointSql);
    purge_scan_ = db.Prepare(
        R"sql(SELECT "offset", occurred_at_ms, hash FROM audit_events WHERE topic = ?1 AND partition = ?2
              ORDER BY "offset" LIMIT ?3)sql");
    purge_rows_ =
        db.Prepare(R"sql(DELETE FROM audit_events WHERE topic = ?1 AND partition = ?2 AND "offset" <= ?3)sql");
    purge_checkpoints_ = db.Prepare(
        "DELETE FROM checkpoints WHERE topic = ?1 AND partition = ?2 AND (kind = 'anchor' OR last_offset <= ?3)");
}

void SqliteAuditStore::LoadPartitions() {
    Database& db = *writer_;
    Statement list =
        db.Prepare("SELECT DISTINCT topic, partition FROM audit_events UNION SELECT topic, partition FROM checkpoints");
    Statement last_row = db.Prepare(
        R"sql(SELECT "offset", hash FROM audit_events WHERE topic = ?1 AND partition = ?2
              ORDER BY "offset" DESC LIMIT 1)sql");
    Statement last_checkpoint = db.Prepare(
        "SELECT kind, last_offset, head_hash FROM checkpoints WHERE topic = ?1 AND partition = ?2 "
        "ORDER BY last_offset DESC, checkpoint_id DESC LIMIT 1");
    Statement pending = db.Prepare(
        R"sql(SELECT "offset", hash FROM audit_events WHERE topic = ?1 AND partition = ?2 AND "offset" > ?3
              ORDER BY "offset")sql");

    while (list.Step()) {
        PartitionKey key{std::string(list.Text(0)), static_cast<std::int32_t>(list.Int(1))};
        PartitionState state;
        std::int64_t covered = -1;  // rows up to here are in a checkpoint or behind the retention cut
        last_checkpoint.Reset();
        last_checkpoint.Bind(1, std::string_view(key.first)).Bind(2, std::int64_t{key.second});
        if (last_checkpoint.Step()) {
            covered = last_checkpoint.Int(1);
            state.last_offset = covered;
            state.head = HashAt(last_checkpoint, 2);
        }
        last_row.Reset();
        last_row.Bind(1, std::string_view(key.first)).Bind(2, std::int64_t{key.second});
        if (last_row.Step() && last_row.Int(0) > state.last_offset) {
            state.last_offset = last_row.Int(0);
            state.head = HashAt(last_row, 1);
        }
        pending.Reset();
        pending.Bind(1, std::string_view(key.first)).Bind(2, std::int64_t{key.second}).Bind(3, covered);
        while (pending.Step()) {
            if (state.pending.LeafCount() == 0) state.pending_first_offset = pending.Int(0);
            state.pending.AddLeaf(HashAt(pending, 1), sha_);
        }
        partitions_.emplace(std::move(key), std::move(state));
    }
    spdlog::info("audit store {} opened: {} partition chains", options_.path, partitions_.size());
}

SqliteAuditStore::Staged& SqliteAuditStore::StageFor(std::string_view topic, std::int32_t partition) {
    for (Staged& staged : staged_) {
        if (staged.key.second == partition && staged.key.first == topic) return staged;
    }
    Staged& staged = staged_.emplace_back();
    staged.key = PartitionKey{std::string(topic), partition};
    const auto it = partitions_.find(std::pair<std::string_view, std::int32_t>(topic, partition));
    if (it != partitions_.end()) staged.state = it->second;
    return staged;
}

void SqliteAuditStore::InsertRow(const AuditRecord& r, const Hash& prev, const Hash& hash, std::int64_t now_ms) {
    insert_.Reset();
    insert_.BindStatic(1, r.topic)
        .Bind(2, std::int64_t{r.partition})
        .Bind(3, r.offset)
        .Bind(4, r.kafka_timestamp_ms)
        .Bind(5, std::int64_t{r.valid ? 1 : 0})
        .BindStatic(6, r.violation);
    if (r.raw.empty()) {
        insert_.BindNull(7);
    } else {
        insert_.BindBlob(7, r.raw.data(), r.raw.size());
    }
    insert_.BindStatic(8, r.event_id)
        .BindStatic(9, r.event_type)
        .BindStatic(10, r.occurred_at)
        .Bind(11, r.occurred_at_ms)
        .BindStatic(12, r.source)
        .BindStatic(13, r.correlation_id)
        .BindStatic(14, r.user_id)
        .BindStatic(15, r.resource_id)
        .BindStatic(16, r.job_id)
        .BindStatic(17, r.action)
        .BindStatic(18, r.payload)
        .Bind(19, now_ms)
        .Bind(20, prev)
        .Bind(21, hash);
    insert_.Run();
}

AppendResult SqliteAuditStore::AppendBatch(std::span<const AuditRecord> records) {
    AppendResult result;
    if (records.empty()) return result;
    const std::int64_t now_ms = options_.clock();

    std::lock_guard lock(writer_mutex_);
    // Chain state changes are staged on copies and published only after COMMIT, so a failed
    // batch leaves memory and disk agreeing.
    staged_.clear();
    Transaction txn(*writer_);
    for (const AuditRecord& record : records) {
        Staged& staged = StageFor(record.topic, record.partition);
        PartitionState& state = staged.state;
        if (record.offset <= state.last_offset) {
            ++result.duplicates;
            continue;
        }
        const Hash hash = hasher_.RowHash(state.head, record);
        InsertRow(record, state.head, hash, now_ms);
        state.last_offset = record.offset;
        state.head = hash;
        if (state.pending.LeafCount() == 0) state.pending_first_offset = record.offset;
        state.pending.AddLeaf(hash, sha_);
        ++result.inserted;
        if (!record.valid) ++result.inserted_invalid;
    }
    for (Staged& staged : staged_) {
        if (staged.state.pending.LeafCount() >= options_.checkpoint_every_rows) {
            WriteCheckpoint(staged.key, staged.state, now_ms);
            ++result.checkpoints;
        }
    }
    txn.Commit();
    for (Staged& staged : staged_) {
        partitions_.insert_or_assign(std::move(staged.key), std::move(staged.state));
    }
    staged_.clear();
    return result;
}

void SqliteAuditStore::WriteCheckpoint(const PartitionKey& key, PartitionState& state, std::int64_t now_ms) {
    const Hash root = state.pending.Root(sha_);
    insert_checkpoint_.Reset();
    insert_checkpoint_.Bind(1, std::string_view("periodic"))
        .Bind(2, std::string_view(key.first))
        .Bind(3, std::int64_t{key.second})
        .Bind(4, state.pending_first_offset)
        .Bind(5, state.last_offset)
        .Bind(6, static_cast<std::int64_t>(state.pending.LeafCount()))
        .Bind(7, state.head)
        .Bind(8, root)
        .Bind(9, now_ms);
    insert_checkpoint_.Run();
    state.pending.Clear();
    state.pending_first_offset = -1;
}

std::size_t SqliteAuditStore::Checkpoint(std::int64_t now_ms) {
    std::lock_guard lock(writer_mutex_);
    staged_.clear();
    for (const auto& [key, state] : partitions_) {
        if (state.pending.LeafCount() > 0) staged_.push_back(Staged{key, state});
    }
    if (staged_.empty()) return 0;
    Transaction txn(*writer_);
    for (Staged& staged : staged_) WriteCheckpoint(staged.key, staged.state, now_ms);
    txn.Commit();
    const std::size_t written = staged_.size();
    for (Staged& staged : staged_) {
        partitions_.insert_or_assign(std::move(staged.key), std::move(staged.state));
    }
    staged_.clear();
    return written;
}

PurgeResult SqliteAuditStore::Purge(std::int64_t now_ms) {
    const std::int64_t cutoff_ms = now_ms - options_.retention_ms;
    std::vector<PartitionKey> keys;
    {
        std::lock_guard lock(writer_mutex_);
        for (const auto& entry : partitions_) keys.push_back(entry.first);
    }
    PurgeResult result;
    for (const PartitionKey& key : keys) {
        // One chunk per transaction keeps the writer lock short, so ingest interleaves.
        while (true) {
            const auto [deleted, more] = PurgeChunk(key, cutoff_ms, now_ms);
            if (deleted > 0) {
                result.deleted_rows += deleted;
                ++result.anchors_written;
            }
            if (!more) break;
        }
    }
    if (result.deleted_rows > 0) {
        spdlog::info("audit retention: purged {} rows older than {} days", result.deleted_rows,
                     options_.retention_ms / kDayMs);
    }
    return result;
}

std::pair<std::uint64_t, bool> SqliteAuditStore::PurgeChunk(const PartitionKey& key, std::int64_t cutoff_ms,
                                                            std::int64_t now_ms) {
    std::lock_guard lock(writer_mutex_);
    Transaction txn(*writer_);
    const std::string_view topic(key.first);
    const auto partition = std::int64_t{key.second};
    const auto chunk = static_cast<std::int64_t>(options_.purge_chunk_rows);

    // Walk the chain from its start; the prefix ends at the first row still inside the window.
    std::int64_t first_offset = -1;
    std::int64_t cut_offset = -1;
    Hash cut_hash{};
    std::int64_t count = 0;
    bool more = false;
    purge_scan_.Reset();
    purge_scan_.Bind(1, topic).Bind(2, partition).Bind(3, chunk + 1);
    while (purge_scan_.Step()) {
        if (purge_scan_.Int(1) >= cutoff_ms) break;
        if (count == chunk) {
            more = true;
            break;
        }
        if (first_offset < 0) first_offset = purge_scan_.Int(0);
        cut_offset = purge_scan_.Int(0);
        cut_hash = HashAt(purge_scan_, 2);
        ++count;
    }
    purge_scan_.Reset();
    if (count == 0) return {0, false};

    purge_rows_.Reset();
    purge_rows_.Bind(1, topic).Bind(2, partition).Bind(3, cut_offset);
    purge_rows_.Run();
    const auto deleted = static_cast<std::uint64_t>(writer_->Changes());

    // Checkpoints wholly behind the cut cannot be checked any more; the previous anchor is
    // superseded by the new one.
    purge_checkpoints_.Reset();
    purge_checkpoints_.Bind(1, topic).Bind(2, partition).Bind(3, cut_offset);
    purge_checkpoints_.Run();

    insert_checkpoint_.Reset();
    insert_checkpoint_.Bind(1, std::string_view("anchor"))
        .Bind(2, topic)
        .Bind(3, partition)
        .Bind(4, first_offset)
        .Bind(5, cut_offset)
        .Bind(6, static_cast<std::int64_t>(deleted))
        .Bind(7, cut_hash)
        .Bind(8, Hash{})
        .Bind(9, now_ms);
    insert_checkpoint_.Run();
    txn.Commit();
    return {deleted, more};
}

std::vector<ChainHead> SqliteAuditStore::Heads() const {
    std::lock_guard lock(writer_mutex_);
    std::vector<ChainHead> heads;
    heads.reserve(partitions_.size());
    for (const auto& [key, state] : partitions_) {
        heads.push_back(ChainHead{key.first, key.second, state.last_offset, state.head});
    }
    return heads;
}

std::vector<ChainHead> SqliteAuditStore::SnapshotWithHeads(Database& db) {
    std::lock_guard lock(writer_mutex_);
    // In WAL mode a read transaction takes its snapshot at its first read; doing that read while
    // the writer is locked out makes the snapshot and the copied heads describe the same state.
    Statement touch = db.Prepare("SELECT COUNT(*) FROM checkpoints");
    touch.Run();
    std::vector<ChainHead> heads;
    heads.reserve(partitions_.size());
    for (const auto& [key, state] : partitions_) {
        heads.push_back(ChainHead{key.first, key.second, state.last_offset, state.head});
    }
    return heads;
}

}  // namespace cosmic::audit
