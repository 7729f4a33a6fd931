#pragma once
/// AuditStore on one SQLite file in WAL mode: one writer connection (consumer batches, periodic
/// checkpoints and retention, serialised by a mutex) and a pool of read-only connections for the
/// API, which WAL lets run beside the writer.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit/canonical.hpp"
#include "cosmic/audit/chain_verifier.hpp"
#include "cosmic/audit/file_lock.hpp"
#include "cosmic/audit/merkle.hpp"
#include "cosmic/audit/read_pool.hpp"
#include "cosmic/audit/sqlite_types.hpp"
#include "cosmic/audit/wal_checkpointer.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::audit {

inline constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

struct SqliteStoreOptions {
    std::string path;                           ///< the database file (created if missing)
    bool durable = true;                        ///< synchronous=FULL (true) or NORMAL (false)
    std::int64_t retention_ms = 90 * kDayMs;    ///< rows older than this (by occurred_at) are purged
    std::size_t checkpoint_every_rows = 10000;  ///< a partition's pending rows that force a checkpoint
    std::size_t read_connections = 4;           ///< API reader pool size
    std::size_t purge_chunk_rows = 5000;        ///< rows deleted per retention transaction
    std::int64_t cache_size_kib = 16384;        ///< SQLite page cache per connection
    int busy_timeout_ms = 5000;
    /// How often a background connection copies the WAL into the database (PASSIVE checkpoint);
    /// 0 leaves it to SQLite's automatic checkpoint on the writer's commits.
    std::chrono::milliseconds wal_checkpoint_interval{200};
    /// The writer's automatic checkpoint threshold (pages): the normal trigger without the
    /// background checkpointer, a safety net bounding the WAL with it.
    int wal_autocheckpoint_pages = 16384;
    /// Stamps stored_at; the service passes its own clock.
    schema::EpochClock clock = schema::NowEpochMs;
};

class SqliteAuditStore final : public AuditStore {
  public:
    /// Opens or creates the database, then loads each partition's chain head and the rows since
    /// its last checkpoint. Throws StoreError.
    explicit SqliteAuditStore(SqliteStoreOptions options);
    ~SqliteAuditStore() override;
    SqliteAuditStore(const SqliteAuditStore&) = delete;
    SqliteAuditStore& operator=(const SqliteAuditStore&) = delete;

    AppendResult AppendBatch(std::span<const AuditRecord> records) override;
    QueryPage Query(const QueryFilter& filter) override;
    VerifyReport Verify() override;
    PurgeResult Purge(std::int64_t now_ms) override;
    std::size_t Checkpoint(std::int64_t now_ms) override;
    ComplianceReport Report(std::int64_t now_ms) override;
    PeriodCounts CountPeriod(const ReportPeriod& period) override;

    /// The writer's chain head per partition (a copy).
    std::vector<ChainHead> Heads() const;
    const SqliteStoreOptions& Options() const { return options_; }

  private:
    struct PartitionState {
        std::int64_t last_offset = -1;  ///< highest chained offset (or the retention cut), -1 when none
        Hash head = kGenesisHash;       ///< hash at last_offset
        std::int64_t pending_first_offset = -1;
        MerkleAccumulator pending;  ///< row hashes since the partition's last checkpoint
    };
    struct PartitionLess {
        using is_transparent = void;
        template <class A, class B>
        bool operator()(const A& a, const B& b) const {
            return std::pair<std::string_view, std::int32_t>(a.first, a.second) <
                   std::pair<std::string_view, std::int32_t>(b.first, b.second);
        }
    };
    using PartitionKey = std::pair<std::string, std::int32_t>;
    using PartitionMap = std::map<PartitionKey, PartitionState, PartitionLess>;
    struct Staged {
        PartitionKey key;
        PartitionState state;
    };

    void Configure();
    void PrepareWriterStatements();
    void LoadPartitions();
    Staged& StageFor(std::string_view topic, std::int32_t partition);
    void InsertRow(const AuditRecord& record, const Hash& prev, const Hash& hash, std::int64_t now_ms);
    void WriteCheckpoint(const PartitionKey& key, PartitionState& state, std::int64_t now_ms);
    /// Deletes up to one chunk of a partition's expired prefix; returns rows deleted and
    /// whether more may remain.
    std::pair<std::uint64_t, bool> PurgeChunk(const PartitionKey& key, std::int64_t cutoff_ms, std::int64_t now_ms);
    /// Under the writer lock: starts a read snapshot on `db` and copies the heads that match it.
    std::vector<ChainHead> SnapshotWithHeads(Database& db);

    SqliteStoreOptions options_;
    std::unique_ptr<FileLock> lock_;   ///< `<path>.lock`, declared first so it is released last
    mutable std::mutex writer_mutex_;  ///< guards writer_, its statements, partitions_ and scratch
    std::unique_ptr<Database> writer_;
    Statement insert_;
    Statement insert_checkpoint_;
    Statement purge_scan_;
    Statement purge_rows_;
    Statement purge_checkpoints_;
    PartitionMap partitions_;
    std::vector<Staged> staged_;
    ChainHasher hasher_;
    Sha256 sha_;

    std::mutex verify_mutex_;  ///< one verification at a time: it is CPU-bound
    std::unique_ptr<ReadPool> readers_;
    std::unique_ptr<WalCheckpointer> wal_checkpointer_;
};

}  // namespace cosmic::audit
