#pragma once
/// Private to the SQLite store: the schema, the two connections and their prepared statements.

#include <string>
#include <string_view>

#include "cosmic/job_orchestrator/job.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/job_orchestrator/store/sqlite_types.hpp"

namespace cosmic::orchestrator {

/// Creates the tables and indexes (idempotent) and sets the WAL pragmas on `db`.
void ApplySchema(Database& db, std::string_view synchronous);
/// Pragmas for a further connection to an existing database.
void ApplyConnectionPragmas(Database& db, std::string_view synchronous);

/// The job columns every job SELECT returns, in ReadJob's order.
inline constexpr std::string_view kJobColumns =
    "position, job_id, user_id, name, kind, parameters, priority, state, created_at_ms, updated_at_ms, "
    "started_at_ms, execution_time_ms, error, error_code, reason, executor, correlation_id, traceparent, last_seq";

/// Fills `job` from a row selected with kJobColumns.
void ReadJob(const Statement& row, Job& job);

struct SqliteJobStore::Writer {
    Writer(const std::string& path, int busy_timeout_ms, std::string_view synchronous);

    Database db;
    Statement select_job;
    Statement select_by_key;
    Statement job_exists;
    Statement insert_job;
    Statement update_job;
    Statement bump_seq;
    Statement insert_outbox;
    Statement insert_pending;
    Statement mark_sent_range;
    Statement prune_outbox;
    Statement prune_keys;
    Statement prune_jobs;
};

struct SqliteJobStore::Reader {
    Reader(const std::string& path, int busy_timeout_ms, std::string_view synchronous);

    Database db;
    Statement select_job;
    Statement read_pending;
    Statement count_pending;
    Statement oldest_pending;
    Statement count_by_state;
    Statement next_queued;
    Statement list_in_state;
};

}  // namespace cosmic::orchestrator
