#include <algorithm>
#include <vector>

#include "store/sqlite_job_store.hpp"
#include "store/sqlite_statements.hpp"

namespace cosmic::orchestrator {

void SqliteJobStore::ReadPending(std::int64_t after_id, std::size_t limit, std::vector<OutboxRow>& out) {
    std::lock_guard lock(reader_mutex_);
    Statement& s = reader_->read_pending;
    StatementScope scope(s);
    s.Bind(1, after_id).Bind(2, static_cast<std::int64_t>(limit));
    // Rows of the previous call are overwritten in place, reusing their strings' capacity.
    std::size_t count = 0;
    while (s.Step()) {
        if (count == out.size()) out.emplace_back();
        OutboxRow& row = out[count++];
        row.id = s.Int(0);
        row.job_id = s.Text(1);
        row.seq = s.Int(2);
        row.topic = s.Text(3);
        row.key = s.Text(4);
        row.event_id = s.Text(5);
        row.value = s.Blob(6);
        row.headers = s.Blob(7);
        row.created_at_ms = s.Int(8);
    }
    out.resize(count);
}

void SqliteJobStore::MarkSent(std::span<const std::int64_t> ids, std::int64_t /*now_ms*/) {
    if (ids.empty()) return;
    // Deliveries arrive nearly in id order, so sorted ids collapse into a few ranges: one UPDATE
    // per range instead of one per row.
    std::vector<std::int64_t> sorted(ids.begin(), ids.end());
    std::sort(sorted.begin(), sorted.end());
    std::lock_guard lock(writer_mutex_);
    Writer& w = *writer_;
    Transaction tx(w.db);
    std::size_t start = 0;
    while (start < sorted.size()) {
        std::size_t end = start;
        while (end + 1 < sorted.size() && sorted[end + 1] <= sorted[end] + 1) ++end;
        StatementScope scope(w.mark_sent_range);
        w.mark_sent_range.Bind(1, sorted[start]).Bind(2, sorted[end]);
        w.mark_sent_range.Run();
        start = end + 1;
    }
    tx.Commit();
}

OutboxStats SqliteJobStore::Outbox() {
    std::lock_guard lock(reader_mutex_);
    OutboxStats stats;
    {
        StatementScope scope(reader_->count_pending);
        if (reader_->count_pending.Step()) stats.pending = reader_->count_pending.Int(0);
    }
    {
        StatementScope scope(reader_->oldest_pending);
        if (reader_->oldest_pending.Step()) stats.oldest_pending_ms = reader_->oldest_pending.Int(0);
    }
    return stats;
}

namespace {

// Runs `sql` (a chunked DELETE/UPDATE with parameters ?1 = cutoff, ?2 = chunk) until a chunk
// touches fewer rows than the chunk size; each chunk is its own transaction.
std::int64_t RunChunked(std::mutex& mutex, Database& db, Statement& statement, std::int64_t cutoff,
                        std::size_t chunk) {
    std::int64_t total = 0;
    for (;;) {
        std::int64_t changed = 0;
        {
            std::lock_guard lock(mutex);
            Transaction tx(db);
            StatementScope scope(statement);
            statement.Bind(1, cutoff).Bind(2, static_cast<std::int64_t>(chunk));
            statement.Run();
            changed = db.Changes();
            tx.Commit();
        }
        total += changed;
        if (changed < static_cast<std::int64_t>(chunk)) return total;
    }
}

}  // namespace

PruneResult SqliteJobStore::Prune(const PruneRequest& request) {
    PruneResult result;
    Writer& w = *writer_;
    const std::size_t chunk = std::max<std::size_t>(1, request.chunk);
    result.outbox_rows = RunChunked(writer_mutex_, w.db, w.prune_outbox, request.sent_before_ms, chunk);
    result.idempotency_keys = RunChunked(writer_mutex_, w.db, w.prune_keys, request.idempotency_before_ms, chunk);
    if (request.terminal_jobs_before_ms) {
        result.jobs = RunChunked(writer_mutex_, w.db, w.prune_jobs, *request.terminal_jobs_before_ms, chunk);
    }
    std::lock_guard lock(writer_mutex_);
    // Keep the WAL file from growing across a burst: a passive checkpoint never blocks writers.
    sqlite3_wal_checkpoint_v2(w.db.Handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    return result;
}

}  // namespace cosmic::orchestrator
