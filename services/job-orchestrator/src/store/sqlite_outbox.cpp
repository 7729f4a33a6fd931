#include <algorithm>
#include <vector>

#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/job_orchestrator/store/sqlite_statements.hpp"

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
    committer_->Run([&] {
        Writer& w = *writer_;
        std::size_t start = 0;
        while (start < sorted.size()) {
            std::size_t end = start;
            while (end + 1 < sorted.size() && sorted[end + 1] <= sorted[end] + 1) ++end;
            StatementScope scope(w.mark_sent_range);
            w.mark_sent_range.Bind(1, sorted[start]).Bind(2, sorted[end]);
            w.mark_sent_range.Run();
            start = end + 1;
        }
    });
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

// Runs `statement` (a chunked DELETE/UPDATE with parameters ?1 = cutoff, ?2 = chunk) until a chunk
// touches fewer rows than the chunk size; each chunk is its own change, so writers are held up
// for one chunk at most.
std::int64_t RunChunked(GroupCommitter& committer, Database& db, Statement& statement, std::int64_t cutoff,
                        std::size_t chunk) {
    std::int64_t total = 0;
    for (;;) {
        std::int64_t changed = 0;
        committer.Run([&] {
            StatementScope scope(statement);
            statement.Bind(1, cutoff).Bind(2, static_cast<std::int64_t>(chunk));
            statement.Run();
            changed = db.Changes();
        });
        total += changed;
        if (changed < static_cast<std::int64_t>(chunk)) return total;
    }
}

}  // namespace

PruneResult SqliteJobStore::Prune(const PruneRequest& request) {
    PruneResult result;
    Writer& w = *writer_;
    const std::size_t chunk = std::max<std::size_t>(1, request.chunk);
    result.outbox_rows = RunChunked(*committer_, w.db, w.prune_outbox, request.sent_before_ms, chunk);
    result.idempotency_keys = RunChunked(*committer_, w.db, w.prune_keys, request.idempotency_before_ms, chunk);
    if (request.terminal_jobs_before_ms) {
        result.jobs = RunChunked(*committer_, w.db, w.prune_jobs, *request.terminal_jobs_before_ms, chunk);
    }
    return result;
}

}  // namespace cosmic::orchestrator
