#include <string>

#include "cosmic/job_orchestrator/store/sqlite_statements.hpp"

namespace cosmic::orchestrator {
namespace {

constexpr std::string_view kSchemaVersion = "1";

// AUTOINCREMENT on both tables: ids never go back, even after pruning deleted the newest rows, so
// the relay's in-memory cursor and the list cursors stay valid.
constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    parameters TEXT NOT NULL,
    priority INTEGER NOT NULL,
    state TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL,
    started_at_ms INTEGER NOT NULL DEFAULT 0,
    execution_time_ms INTEGER,
    error TEXT NOT NULL DEFAULT '',
    error_code TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    executor TEXT NOT NULL DEFAULT '',
    correlation_id TEXT NOT NULL,
    traceparent TEXT NOT NULL,
    idempotency_key TEXT,
    request_hash TEXT,
    last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_idempotency ON jobs(user_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_user ON jobs(user_id);
CREATE INDEX IF NOT EXISTS jobs_user_state ON jobs(user_id, state);
CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs(priority DESC) WHERE state = 'queued';
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    topic TEXT NOT NULL,
    msg_key TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    value BLOB NOT NULL,
    headers BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL
);
-- The rows not yet acknowledged. Marking a row sent deletes its small entry here instead of
-- rewriting the whole outbox row (value and headers included) with a sent flag.
CREATE TABLE IF NOT EXISTS outbox_pending (
    id INTEGER PRIMARY KEY,
    created_at_ms INTEGER NOT NULL
);
)sql";

}  // namespace

void ApplyConnectionPragmas(Database& db, std::string_view synchronous) {
    db.Exec("PRAGMA synchronous=" + std::string(synchronous));
    db.Exec("PRAGMA foreign_keys=OFF");
    // Bound the WAL file after checkpoints (bytes).
    db.Exec("PRAGMA journal_size_limit=67108864");
    // 32 MiB page cache per connection (the default 2 MiB thrashes once the indexes outgrow it).
    db.Exec("PRAGMA cache_size=-32768");
}

void ApplySchema(Database& db, std::string_view synchronous) {
    db.Exec("PRAGMA journal_mode=WAL");
    ApplyConnectionPragmas(db, synchronous);
    Transaction tx(db);
    db.Exec(kSchema);
    Statement version = db.Prepare("SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.Step()) {
        if (version.Text(0) != kSchemaVersion) {
            throw StoreError("job store schema version " + std::string(version.Text(0)) + " is not " +
                                 std::string(kSchemaVersion) + " (a newer release wrote this file)",
                             SQLITE_MISMATCH);
        }
    } else {
        Statement insert = db.Prepare("INSERT INTO meta(key, value) VALUES('schema_version', ?)");
        insert.Bind(1, kSchemaVersion).Run();
    }
    version.Reset();
    tx.Commit();
}

void ReadJob(const Statement& row, Job& job) {
    job.position = row.Int(0);
    job.job_id = row.Text(1);
    job.user_id = row.Text(2);
    job.name = row.Text(3);
    job.kind = row.Text(4);
    job.parameters = row.Text(5);
    job.priority = static_cast<int>(row.Int(6));
    job.state = ParseJobState(row.Text(7)).value_or(JobState::kSubmitted);
    job.created_at_ms = row.Int(8);
    job.updated_at_ms = row.Int(9);
    job.started_at_ms = row.Int(10);
    if (row.IsNull(11)) {
        job.execution_time_ms.reset();
    } else {
        job.execution_time_ms = row.Int(11);
    }
    job.error = row.Text(12);
    job.error_code = row.Text(13);
    job.reason = row.Text(14);
    job.executor = row.Text(15);
    job.correlation_id = row.Text(16);
    job.traceparent = row.Text(17);
    job.event_seq = row.Int(18);
}

SqliteJobStore::Writer::Writer(const std::string& path, int busy_timeout_ms, std::string_view synchronous)
    : db(path, Database::Mode::kReadWrite, busy_timeout_ms) {
    ApplySchema(db, synchronous);
    const std::string columns(kJobColumns);
    select_job = db.Prepare("SELECT " + columns + " FROM jobs WHERE job_id = ?");
    select_by_key =
        db.Prepare("SELECT " + columns + ", request_hash FROM jobs WHERE user_id = ? AND idempotency_key = ?");
    job_exists = db.Prepare("SELECT 1 FROM jobs WHERE job_id = ?");
    insert_job = db.Prepare(
        "INSERT INTO jobs(job_id, user_id, name, kind, parameters, priority, state, created_at_ms, updated_at_ms, "
        "started_at_ms, execution_time_ms, error, error_code, reason, executor, correlation_id, traceparent, "
        "idempotency_key, request_hash, last_seq) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    update_job = db.Prepare(
        "UPDATE jobs SET state = ?, updated_at_ms = ?, started_at_ms = ?, execution_time_ms = ?, error = ?, "
        "error_code = ?, reason = ?, executor = ?, priority = ?, last_seq = ? WHERE position = ?");
    bump_seq = db.Prepare("UPDATE jobs SET last_seq = last_seq + 1 WHERE job_id = ? AND state = ? RETURNING last_seq");
    insert_outbox = db.Prepare(
        "INSERT INTO outbox(job_id, seq, topic, msg_key, event_id, event_type, value, headers, created_at_ms) "
        "VALUES(?,?,?,?,?,?,?,?,?)");
    insert_pending = db.Prepare("INSERT INTO outbox_pending(id, created_at_ms) VALUES(last_insert_rowid(), ?)");
    mark_sent_range = db.Prepare("DELETE FROM outbox_pending WHERE id BETWEEN ? AND ?");
    // Chunked retention statements: ?1 = cutoff (ms), ?2 = chunk size.
    prune_outbox = db.Prepare(
        "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.created_at_ms < ?1 AND NOT EXISTS "
        "(SELECT 1 FROM outbox_pending p WHERE p.id = o.id) ORDER BY o.id LIMIT ?2)");
    // The partial index holds only jobs that still have a key, so this never scans the whole table.
    prune_keys = db.Prepare(
        "UPDATE jobs SET idempotency_key = NULL, request_hash = NULL WHERE position IN (SELECT position FROM "
        "jobs INDEXED BY jobs_idempotency WHERE idempotency_key IS NOT NULL AND created_at_ms < ?1 LIMIT ?2)");
    prune_jobs = db.Prepare(
        "DELETE FROM jobs WHERE position IN (SELECT position FROM jobs WHERE state IN ('completed', 'failed', "
        "'cancelled') AND updated_at_ms < ?1 ORDER BY position LIMIT ?2)");
}

SqliteJobStore::Reader::Reader(const std::string& path, int busy_timeout_ms, std::string_view synchronous)
    : db(path, Database::Mode::kReadWrite, busy_timeout_ms) {
    ApplyConnectionPragmas(db, synchronous);
    const std::string columns(kJobColumns);
    select_job = db.Prepare("SELECT " + columns + " FROM jobs WHERE job_id = ?");
    read_pending = db.Prepare(
        "SELECT o.id, o.job_id, o.seq, o.topic, o.msg_key, o.event_id, o.value, o.headers, o.created_at_ms "
        "FROM outbox_pending p JOIN outbox o ON o.id = p.id WHERE p.id > ? ORDER BY p.id LIMIT ?");
    count_pending = db.Prepare("SELECT count(*) FROM outbox_pending");
    oldest_pending = db.Prepare("SELECT created_at_ms FROM outbox_pending ORDER BY id LIMIT 1");
    count_by_state = db.Prepare("SELECT state, count(*) FROM jobs GROUP BY state");
    // The partial index is already in start order; without INDEXED BY the planner picks jobs_state and
    // sorts the whole queue on every call.
    next_queued = db.Prepare("SELECT " + columns +
                             " FROM jobs INDEXED BY jobs_queue WHERE state = 'queued' ORDER BY priority DESC, "
                             "position ASC LIMIT ?");
    list_in_state =
        db.Prepare("SELECT " + columns + " FROM jobs WHERE state = ? AND position > ? ORDER BY position ASC LIMIT ?");
}

}  // namespace cosmic::orchestrator
