#pragma once
/// The audit store's narrow interface (DESIGN.md "Stores and scale-out"): SQLite (embedded) and
/// PostgreSQL (PgAuditStore, shared by replicas). Rows are append-only; only retention purges
/// delete them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cosmic/audit/audit_record.hpp"
#include "cosmic/audit/sha256.hpp"

namespace cosmic::audit {

struct AppendResult {
    std::size_t inserted = 0;
    std::size_t inserted_invalid = 0;  ///< of `inserted`, records that failed validation
    std::size_t duplicates = 0;        ///< at or below the partition's chain head: already stored (or purged)
    std::size_t checkpoints = 0;       ///< periodic checkpoints written by this batch
};

/// Query filters; every value is bound as a statement parameter.
struct QueryFilter {
    std::optional<std::string> resource_id;
    std::optional<std::string> job_id;
    std::optional<std::string> user_id;
    std::optional<std::string> action;
    std::optional<std::int64_t> from_ms;  ///< occurred_at >= from (inclusive)
    std::optional<std::int64_t> to_ms;    ///< occurred_at < to (exclusive)
    std::optional<bool> valid;
    std::optional<std::int64_t> cursor;  ///< row_id of the last row of the previous page
    std::size_t limit = 100;
    bool descending = false;  ///< newest rows first
};

struct QueryPage {
    std::vector<StoredRecord> rows;
    std::optional<std::int64_t> next_cursor;  ///< set when more rows may follow
};

struct CheckpointInfo {
    std::int64_t checkpoint_id = 0;
    std::string kind;  ///< "periodic" or "anchor" (written by retention at the cut)
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t first_offset = 0;
    std::int64_t last_offset = 0;  ///< for an anchor: the last purged offset
    std::int64_t row_count = 0;
    Hash head_hash{};    ///< chain hash at last_offset
    Hash merkle_root{};  ///< RFC 6962 root over the row hashes in [first_offset, last_offset]
    std::int64_t created_at_ms = 0;
};

/// Where verification found the first mismatch in a partition.
struct BadRow {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = -1;  ///< -1 when the finding is not tied to an offset
    std::int64_t row_id = 0;   ///< 0 when the row is missing (e.g. a checkpoint names a deleted row)
    std::string reason;        ///< content_mismatch, prev_hash_mismatch, order, checkpoint_mismatch, ...
    std::string detail;        ///< a sentence for humans
};

struct VerifyReport {
    bool ok = true;
    std::uint64_t rows_checked = 0;
    std::uint64_t partitions_checked = 0;
    std::uint64_t checkpoints_checked = 0;
    std::optional<BadRow> first_bad;  ///< the first failing partition's first bad row
    std::vector<BadRow> failures;     ///< one per failing partition (bounded by partition count)
    double seconds = 0;
};

struct PurgeResult {
    std::uint64_t deleted_rows = 0;
    std::uint64_t anchors_written = 0;
};

/// A compliance report's reporting period: from <= occurred_at < to; an absent end is open.
struct ReportPeriod {
    std::optional<std::int64_t> from_ms;
    std::optional<std::int64_t> to_ms;
};

/// What the store holds for a period: every row counted once per event type and once per action
/// (invalid rows under what could be read of them, "" when nothing could).
struct PeriodCounts {
    std::uint64_t events = 0;
    std::uint64_t invalid = 0;
    std::map<std::string, std::uint64_t> by_event_type;
    std::map<std::string, std::uint64_t> by_action;
};

struct ComplianceReport {
    ReportPeriod period;
    PeriodCounts in_period;
    std::uint64_t total_events = 0;
    std::uint64_t invalid_events = 0;
    std::uint64_t resources_covered = 0;
    std::uint64_t jobs_covered = 0;
    std::optional<std::int64_t> oldest_event_ms;
    std::optional<std::int64_t> newest_event_ms;
    std::int64_t retention_days = 0;
    std::uint64_t overdue_events = 0;  ///< rows older than the window (kept behind a newer row)
    bool retention_compliant = true;   ///< no row older than the window
    VerifyReport verify;
    std::optional<CheckpointInfo> last_checkpoint;
    std::int64_t generated_at_ms = 0;
};

class AuditStore {
  public:
    virtual ~AuditStore() = default;

    /// Stores a batch in one transaction, chaining each new record to its partition's head.
    /// Records of one partition must come in offset order; a record at or below its partition's
    /// head is skipped (redelivery), never re-chained. Throws on failure with nothing stored.
    virtual AppendResult AppendBatch(std::span<const AuditRecord> records) = 0;

    virtual QueryPage Query(const QueryFilter& filter) = 0;

    /// Recomputes every chain and checkpoint; names the first row that does not match.
    virtual VerifyReport Verify() = 0;

    /// Deletes, per partition and in chain order, the prefix of rows older than the retention
    /// window and anchors the cut so the rest still verifies.
    virtual PurgeResult Purge(std::int64_t now_ms) = 0;

    /// Writes a periodic checkpoint for every partition with rows since its last one; returns
    /// how many were written.
    virtual std::size_t Checkpoint(std::int64_t now_ms) = 0;

    virtual ComplianceReport Report(std::int64_t now_ms) = 0;

    /// Counts per event type and action in `period`. The default pages through Query (any
    /// backend, memory bounded by the page size); a store with GROUP BY overrides it.
    virtual PeriodCounts CountPeriod(const ReportPeriod& period);
};

}  // namespace cosmic::audit
