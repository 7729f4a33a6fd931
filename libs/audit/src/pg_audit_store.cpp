#include "cosmic/audit/pg_audit_store.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <limits>
#include <map>
#include <utility>

#include "cosmic/audit/canonical.hpp"
#include "cosmic/audit/merkle.hpp"
#include "cosmic/audit/pg_audit_schema.hpp"

namespace cosmic::audit {
namespace {

using store::pg::Connection;
using store::pg::Params;
using store::pg::Result;
using store::pg::Statement;

std::string_view HashBytes(const Hash& hash) { return {reinterpret_cast<const char*>(hash.data()), hash.size()}; }

const Statement kEnsureHead{"audit_head_ensure",
                            "INSERT INTO audit_chain_heads (topic, partition) VALUES ($1, $2) ON CONFLICT DO NOTHING"};
// The lock that serialises writers of one partition across replicas.
const Statement kLockHead{"audit_head_lock",
                          "SELECT last_offset, head, pending_first_offset, pending_count FROM audit_chain_heads "
                          "WHERE topic = $1 AND partition = $2 FOR UPDATE"};
const Statement kUpdateHead{"audit_head_update",
                            "UPDATE audit_chain_heads SET last_offset = $3, head = $4, pending_first_offset = $5, "
                            "pending_count = $6 WHERE topic = $1 AND partition = $2"};
const Statement kInsert{"audit_insert", R"sql(
INSERT INTO audit_events (topic, partition, "offset", kafka_timestamp_ms, valid, violation, raw, event_id,
    event_type, occurred_at, occurred_at_ms, source, correlation_id, user_id, resource_id, job_id, action, payload,
    ingested_at_ms, prev_hash, hash)
VALUES ($1, $2, $3, $4, $5, NULLIF($6, ''), $7, $8, $9, $10, $11, $12, $13, NULLIF($14, ''), NULLIF($15, ''),
    NULLIF($16, ''), NULLIF($17, ''), $18, $19, $20, $21))sql"};
const Statement kPendingHashes{"audit_pending_hashes",
                               R"sql(SELECT hash FROM audit_events WHERE topic = $1 AND partition = $2
                                     AND "offset" >= $3 AND "offset" <= $4 ORDER BY "offset")sql"};
const Statement kInsertCheckpoint{"audit_checkpoint_insert",
                                  "INSERT INTO audit_checkpoints (kind, topic, partition, first_offset, last_offset, "
                                  "row_count, head_hash, merkle_root, created_at_ms) VALUES ('periodic', $1, $2, $3, "
                                  "$4, $5, $6, $7, $8)"};
const Statement kPendingHeads{"audit_pending_heads",
                              "SELECT topic, partition FROM audit_chain_heads WHERE pending_count > 0 ORDER BY topic, "
                              "partition"};
const Statement kHeads{"audit_heads",
                       "SELECT topic, partition, last_offset, head FROM audit_chain_heads ORDER BY topic, partition"};
const Statement kPurge{"audit_purge", "SELECT cosmic_audit_purge($1, $2, $3, $4, $5)"};
const Statement kPartitions{"audit_partitions",
                            "SELECT topic, partition FROM audit_chain_heads UNION SELECT DISTINCT topic, partition "
                            "FROM audit_checkpoints ORDER BY 1, 2"};
const Statement kRowsPage{"audit_rows_page", "SELECT " + std::string(kPgRecordColumns) +
                                                 R"sql( FROM audit_events WHERE topic = $1 AND partition = $2
                                                  AND "offset" > $3 ORDER BY "offset" LIMIT $4)sql"};
const Statement kAnchor{"audit_anchor", "SELECT " + std::string(kPgCheckpointColumns) +
                                            " FROM audit_checkpoints WHERE topic = $1 AND partition = $2 AND kind = "
                                            "'anchor' ORDER BY checkpoint_id DESC LIMIT 1"};
const Statement kCheckpoints{"audit_checkpoints", "SELECT " + std::string(kPgCheckpointColumns) +
                                                      " FROM audit_checkpoints WHERE topic = $1 AND partition = $2 "
                                                      "AND kind = 'periodic' AND last_offset > $3 ORDER BY "
                                                      "last_offset, checkpoint_id"};
const Statement kStats{"audit_stats",
                       "SELECT count(*), count(*) FILTER (WHERE valid = 0), count(DISTINCT resource_id), "
                       "count(DISTINCT job_id), min(occurred_at_ms), max(occurred_at_ms), count(*) FILTER (WHERE "
                       "occurred_at_ms < $1) FROM audit_events"};
const Statement kLastCheckpoint{"audit_last_checkpoint",
                                "SELECT " + std::string(kPgCheckpointColumns) +
                                    " FROM audit_checkpoints WHERE kind = 'periodic' ORDER BY checkpoint_id DESC "
                                    "LIMIT 1"};

struct HeadState {
    std::int64_t last_offset = -1;
    Hash head = kGenesisHash;
    std::int64_t pending_first_offset = -1;
    std::int64_t pending_count = 0;
};

using PartitionKey = std::pair<std::string, std::int32_t>;

HeadState LockHead(Connection& db, const PartitionKey& key) {
    const Params params = Params().Add(key.first).Add(key.second);
    db.Run(kEnsureHead, params);
    const Result row = db.Run(kLockHead, params);
    HeadState state;
    state.last_offset = row.Int(0, 0);
    state.head = HashAt(row, 0, 1);
    state.pending_first_offset = row.Int(0, 2);
    state.pending_count = row.Int(0, 3);
    return state;
}

/// Writes a periodic checkpoint over the partition's pending rows (read back for the Merkle root).
void WriteCheckpoint(Connection& db, const PartitionKey& key, HeadState& state, std::int64_t now_ms, Sha256& sha) {
    const Result hashes = db.Run(
        kPendingHashes, Params().Add(key.first).Add(key.second).Add(state.pending_first_offset).Add(state.last_offset));
    MerkleAccumulator merkle;
    for (int i = 0; i < hashes.Rows(); ++i) merkle.AddLeaf(HashAt(hashes, i, 0), sha);
    const Hash root = merkle.Root(sha);
    db.Run(kInsertCheckpoint, Params()
                                  .Add(key.first)
                                  .Add(key.second)
                                  .Add(state.pending_first_offset)
                                  .Add(state.last_offset)
                                  .Add(static_cast<std::int64_t>(merkle.LeafCount()))
                                  .AddBytes(HashBytes(state.head))
                                  .AddBytes(HashBytes(root))
                                  .Add(now_ms));
    state.pending_first_offset = -1;
    state.pending_count = 0;
}

void SaveHead(Connection& db, const PartitionKey& key, const HeadState& state) {
    db.Run(kUpdateHead, Params()
                            .Add(key.first)
                            .Add(key.second)
                            .Add(state.last_offset)
                            .AddBytes(HashBytes(state.head))
                            .Add(state.pending_first_offset)
                            .Add(state.pending_count));
}

/// Reads one partition in pages of rows, inside the caller's snapshot.
class PgPartitionSource final : public PartitionSource {
  public:
    PgPartitionSource(Connection& db, const PartitionKey& key) : db_(db), key_(key) {}

    std::optional<CheckpointInfo> Anchor() override {
        const Result rows = db_.Run(kAnchor, Params().Add(key_.first).Add(key_.second));
        if (rows.Rows() == 0) return std::nullopt;
        CheckpointInfo anchor;
        ReadCheckpoint(rows, 0, anchor);
        return anchor;
    }
    std::vector<CheckpointInfo> Checkpoints(std::int64_t floor) override {
        const Result rows = db_.Run(kCheckpoints, Params().Add(key_.first).Add(key_.second).Add(floor));
        std::vector<CheckpointInfo> out(static_cast<std::size_t>(rows.Rows()));
        for (int i = 0; i < rows.Rows(); ++i) ReadCheckpoint(rows, i, out[static_cast<std::size_t>(i)]);
        return out;
    }
    bool NextRow(StoredRecord& row) override {
        if (next_ >= page_.Rows()) {
            if (done_) return false;
            page_ = db_.Run(kRowsPage, Params().Add(key_.first).Add(key_.second).Add(after_).Add(kPage));
            next_ = 0;
            done_ = page_.Rows() < kPage;
            if (page_.Rows() == 0) return false;
        }
        ReadStoredRecord(page_, next_++, row);
        after_ = row.record.offset;
        return true;
    }

  private:
    static constexpr int kPage = 2000;
    Connection& db_;
    const PartitionKey& key_;
    Result page_;
    int next_ = 0;
    bool done_ = false;
    std::int64_t after_ = std::numeric_limits<std::int64_t>::min();
};

VerifyReport VerifyAll(Connection& db) {
    const auto started = std::chrono::steady_clock::now();
    VerifyReport report;
    std::map<PartitionKey, ChainHead> heads;
    {
        const Result rows = db.Run(kHeads);
        for (int i = 0; i < rows.Rows(); ++i) {
            ChainHead head{std::string(rows.Text(i, 0)), static_cast<std::int32_t>(rows.Int(i, 1)), rows.Int(i, 2),
                           HashAt(rows, i, 3)};
            heads.emplace(PartitionKey{head.topic, head.partition}, std::move(head));
        }
    }
    std::vector<PartitionKey> partitions;
    {
        const Result rows = db.Run(kPartitions);
        for (int i = 0; i < rows.Rows(); ++i) {
            partitions.emplace_back(std::string(rows.Text(i, 0)), static_cast<std::int32_t>(rows.Int(i, 1)));
        }
    }
    PartitionVerifier verifier;
    for (const PartitionKey& key : partitions) {
        ++report.partitions_checked;
        PgPartitionSource source(db, key);
        const auto head = heads.find(key);
        const ChainHead* live = head != heads.end() ? &head->second : nullptr;
        if (auto bad = verifier.Verify(key.first, key.second, source, live, report)) {
            report.ok = false;
            if (!report.first_bad) report.first_bad = *bad;
            report.failures.push_back(std::move(*bad));
        }
    }
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace

PgAuditStore::PgAuditStore(PgAuditStoreOptions options)
    : options_(std::move(options)), description_(store::pg::RedactUrl(options_.url)) {
    options_.checkpoint_every_rows = std::max<std::size_t>(1, options_.checkpoint_every_rows);
    options_.purge_chunk_rows = std::max<std::size_t>(1, options_.purge_chunk_rows);
    store::pg::PoolOptions pool;
    pool.url = options_.url;
    pool.size = options_.pool_size;
    pool.on_connect = options_.durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off";
    pool_ = std::make_unique<store::pg::Pool>(pool);
    Transact([](Connection& db) { store::pg::Migrate(db, "audit", AuditMigrations()); });
    spdlog::info("audit store on PostgreSQL at {}", description_);
}

PgAuditStore::~PgAuditStore() = default;

void PgAuditStore::Transact(const std::function<void(Connection&)>& work) {
    store::pg::RetryOptions retry;
    retry.deadline = options_.retry_deadline;
    store::pg::WithRetry(*pool_, work, retry);
}

bool PgAuditStore::Ready(std::string& detail) {
    try {
        store::pg::Pool::Lease db = pool_->Acquire();
        db->Exec("SELECT 1");
        detail = "open";
        return true;
    } catch (const std::exception& error) {
        detail = error.what();
        return false;
    }
}

AppendResult PgAuditStore::AppendBatch(std::span<const AuditRecord> records) {
    AppendResult result;
    if (records.empty()) return result;
    // Partitions in a fixed order, so two replicas locking the same heads never deadlock.
    std::vector<PartitionKey> keys;
    for (const AuditRecord& record : records) {
        PartitionKey key{record.topic, record.partition};
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(std::move(key));
    }
    std::sort(keys.begin(), keys.end());
    Transact([&](Connection& db) {
        result = AppendResult{};
        const std::int64_t now_ms = options_.clock();
        ChainHasher hasher;
        Sha256 sha;
        store::pg::Transaction tx(db);
        std::map<PartitionKey, HeadState> heads;
        for (const PartitionKey& key : keys) heads.emplace(key, LockHead(db, key));
        Params params;
        for (const AuditRecord& r : records) {
            HeadState& state = heads.find(PartitionKey{r.topic, r.partition})->second;
            if (r.offset <= state.last_offset) {
                ++result.duplicates;
                continue;
            }
            const Hash hash = hasher.RowHash(state.head, r);
            params.Clear();
            params.Add(r.topic)
                .Add(r.partition)
                .Add(r.offset)
                .Add(r.kafka_timestamp_ms)
                .Add(r.valid ? 1 : 0)
                .Add(r.violation);
            if (r.raw.empty()) {
                params.AddNull();
            } else {
                params.AddBytes(r.raw);
            }
            params.Add(r.event_id)
                .Add(r.event_type)
                .Add(r.occurred_at)
                .Add(r.occurred_at_ms)
                .Add(r.source)
                .Add(r.correlation_id)
                .Add(r.user_id)
                .Add(r.resource_id)
                .Add(r.job_id)
                .Add(r.action)
                .Add(r.payload)
                .Add(now_ms)
                .AddBytes(HashBytes(state.head))
                .AddBytes(HashBytes(hash));
            db.Run(kInsert, params);
            state.last_offset = r.offset;
            state.head = hash;
            if (state.pending_count == 0) state.pending_first_offset = r.offset;
            ++state.pending_count;
            ++result.inserted;
            if (!r.valid) ++result.inserted_invalid;
        }
        for (auto& [key, state] : heads) {
            if (state.pending_count >= static_cast<std::int64_t>(options_.checkpoint_every_rows)) {
                WriteCheckpoint(db, key, state, now_ms, sha);
                ++result.checkpoints;
            }
            SaveHead(db, key, state);
        }
        tx.Commit();
    });
    return result;
}

std::size_t PgAuditStore::Checkpoint(std::int64_t now_ms) {
    std::vector<PartitionKey> keys;
    Transact([&](Connection& db) {
        keys.clear();
        const Result rows = db.Run(kPendingHeads);
        for (int i = 0; i < rows.Rows(); ++i) {
            keys.emplace_back(std::string(rows.Text(i, 0)), static_cast<std::int32_t>(rows.Int(i, 1)));
        }
    });
    std::size_t written = 0;
    for (const PartitionKey& key : keys) {
        Transact([&](Connection& db) {
            Sha256 sha;
            store::pg::Transaction tx(db);
            HeadState state = LockHead(db, key);
            if (state.pending_count == 0) return;  // another replica checkpointed it meanwhile
            WriteCheckpoint(db, key, state, now_ms, sha);
            SaveHead(db, key, state);
            tx.Commit();
            ++written;
        });
    }
    return written;
}

PurgeResult PgAuditStore::Purge(std::int64_t now_ms) {
    const std::int64_t cutoff_ms = now_ms - options_.retention_ms;
    std::vector<PartitionKey> keys;
    Transact([&](Connection& db) {
        keys.clear();
        const Result rows = db.Run(kPartitions);
        for (int i = 0; i < rows.Rows(); ++i) {
            keys.emplace_back(std::string(rows.Text(i, 0)), static_cast<std::int32_t>(rows.Int(i, 1)));
        }
    });
    PurgeResult result;
    const auto chunk = static_cast<std::int64_t>(options_.purge_chunk_rows);
    for (const PartitionKey& key : keys) {
        for (;;) {
            std::int64_t deleted = 0;
            Transact([&](Connection& db) {
                store::pg::Transaction tx(db);
                // The head lock keeps a purge and an append of the partition from interleaving.
                LockHead(db, key);
                deleted = db.Run(kPurge, Params().Add(key.first).Add(key.second).Add(cutoff_ms).Add(chunk).Add(now_ms))
                              .Int(0, 0);
                tx.Commit();
            });
            if (deleted > 0) {
                result.deleted_rows += static_cast<std::uint64_t>(deleted);
                ++result.anchors_written;
            }
            if (deleted < chunk) break;
        }
    }
    if (result.deleted_rows > 0) {
        spdlog::info("audit retention: purged {} rows older than {} days", result.deleted_rows,
                     options_.retention_ms / (24LL * 60 * 60 * 1000));
    }
    return result;
}

std::vector<ChainHead> PgAuditStore::Heads() {
    std::vector<ChainHead> heads;
    Transact([&](Connection& db) {
        heads.clear();
        const Result rows = db.Run(kHeads);
        for (int i = 0; i < rows.Rows(); ++i) {
            heads.push_back(ChainHead{std::string(rows.Text(i, 0)), static_cast<std::int32_t>(rows.Int(i, 1)),
                                      rows.Int(i, 2), HashAt(rows, i, 3)});
        }
    });
    return heads;
}

std::size_t PgAuditStore::PartitionCount() {
    try {
        store::pg::Pool::Lease db = pool_->Acquire();
        return static_cast<std::size_t>(db->Exec("SELECT count(*) FROM audit_chain_heads").Int(0, 0));
    } catch (const store::pg::PgError& error) {
        spdlog::warn("audit store: cannot count partitions: {}", error.what());
        return 0;
    }
}

QueryPage PgAuditStore::Query(const QueryFilter& filter) {
    std::string sql = "SELECT " + std::string(kPgRecordColumns) + " FROM audit_events WHERE true";
    Params params;
    const auto clause = [&](std::string_view column_and_op) {
        sql.append(" AND ").append(column_and_op).append(" $").append(std::to_string(params.Count()));
    };
    if (filter.resource_id) clause((params.Add(*filter.resource_id), "resource_id ="));
    if (filter.job_id) clause((params.Add(*filter.job_id), "job_id ="));
    if (filter.user_id) clause((params.Add(*filter.user_id), "user_id ="));
    if (filter.action) clause((params.Add(*filter.action), "action ="));
    if (filter.from_ms) clause((params.Add(*filter.from_ms), "occurred_at_ms >="));
    if (filter.to_ms) clause((params.Add(*filter.to_ms), "occurred_at_ms <"));
    if (filter.valid) clause((params.Add(*filter.valid ? 1 : 0), "valid ="));
    if (filter.cursor) clause((params.Add(*filter.cursor), filter.descending ? "row_id <" : "row_id >"));
    sql.append(filter.descending ? " ORDER BY row_id DESC" : " ORDER BY row_id");
    const std::size_t limit = std::max<std::size_t>(filter.limit, 1);
    // One extra row tells whether another page exists.
    params.Add(static_cast<std::int64_t>(limit + 1));
    sql.append(" LIMIT $").append(std::to_string(params.Count()));

    QueryPage page;
    Transact([&](Connection& db) {
        page = QueryPage{};
        const Result rows = db.RunOnce(sql, params);
        bool more = false;
        for (int i = 0; i < rows.Rows(); ++i) {
            if (page.rows.size() == limit) {
                more = true;
                break;
            }
            ReadStoredRecord(rows, i, page.rows.emplace_back());
        }
        if (more) page.next_cursor = page.rows.back().row_id;
    });
    return page;
}

VerifyReport PgAuditStore::Verify() {
    std::lock_guard lock(verify_mutex_);
    VerifyReport report;
    Transact([&](Connection& db) {
        // One snapshot: heads, rows and checkpoints of every partition as of one moment.
        store::pg::Transaction tx(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        report = VerifyAll(db);
        tx.Commit();
    });
    return report;
}

ComplianceReport PgAuditStore::Report(std::int64_t now_ms) {
    std::lock_guard lock(verify_mutex_);
    ComplianceReport report;
    Transact([&](Connection& db) {
        report = ComplianceReport{};
        report.generated_at_ms = now_ms;
        report.retention_days = options_.retention_ms / (24LL * 60 * 60 * 1000);
        store::pg::Transaction tx(db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
        const Result stats = db.Run(kStats, Params().Add(now_ms - options_.retention_ms));
        report.total_events = static_cast<std::uint64_t>(stats.Int(0, 0));
        report.invalid_events = static_cast<std::uint64_t>(stats.Int(0, 1));
        report.resources_covered = static_cast<std::uint64_t>(stats.Int(0, 2));
        report.jobs_covered = static_cast<std::uint64_t>(stats.Int(0, 3));
        if (!stats.IsNull(0, 4)) report.oldest_event_ms = stats.Int(0, 4);
        if (!stats.IsNull(0, 5)) report.newest_event_ms = stats.Int(0, 5);
        report.overdue_events = static_cast<std::uint64_t>(stats.Int(0, 6));
        report.retention_compliant = report.overdue_events == 0;
        const Result last = db.Run(kLastCheckpoint);
        if (last.Rows() > 0) ReadCheckpoint(last, 0, report.last_checkpoint.emplace());
        report.verify = VerifyAll(db);
        tx.Commit();
    });
    return report;
}

}  // namespace cosmic::audit
