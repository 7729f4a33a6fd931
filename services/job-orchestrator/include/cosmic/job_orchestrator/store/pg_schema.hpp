#pragma once
/// Private to the PostgreSQL job store: its migrations and the job row reader.

#include <array>
#include <span>
#include <string_view>

#include "cosmic/job_orchestrator/job.hpp"
#include "cosmic/store/postgres.hpp"

namespace cosmic::orchestrator {

/// The job columns every job SELECT returns, in ReadJob's order.
inline constexpr std::string_view kPgJobColumns =
    "position, job_id, user_id, name, kind, parameters, priority, state, created_at_ms, updated_at_ms, "
    "started_at_ms, execution_time_ms, error, error_code, reason, executor, correlation_id, traceparent, last_seq";

/// The schema steps of component "job-orchestrator".
std::span<const store::pg::Migration> JobStoreMigrations();

/// Fills `job` from row `row` of a SELECT of kPgJobColumns.
void ReadJob(const store::pg::Result& rows, int row, Job& job);

}  // namespace cosmic::orchestrator
