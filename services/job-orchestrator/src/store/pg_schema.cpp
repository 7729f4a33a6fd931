#include "cosmic/job_orchestrator/store/pg_schema.hpp"

namespace cosmic::orchestrator {
namespace {

// Identity columns never go back, even after pruning, so list cursors stay valid.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE jobs (
    position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id text NOT NULL UNIQUE,
    user_id text NOT NULL,
    name text NOT NULL,
    kind text NOT NULL,
    parameters text NOT NULL,
    priority integer NOT NULL,
    state text NOT NULL,
    created_at_ms bigint NOT NULL,
    updated_at_ms bigint NOT NULL,
    started_at_ms bigint NOT NULL DEFAULT 0,
    execution_time_ms bigint,
    error text NOT NULL DEFAULT '',
    error_code text NOT NULL DEFAULT '',
    reason text NOT NULL DEFAULT '',
    executor text NOT NULL DEFAULT '',
    correlation_id text NOT NULL,
    traceparent text NOT NULL,
    idempotency_key text,
    request_hash text,
    last_seq bigint NOT NULL DEFAULT 0
);
-- Unique across replicas: a second replica inserting the same (user, key) finds the first's job.
CREATE UNIQUE INDEX jobs_idempotency ON jobs(user_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX jobs_user_state ON jobs(user_id, state, position);
CREATE INDEX jobs_state ON jobs(state, position);
CREATE INDEX jobs_queue ON jobs(priority DESC, position) WHERE state = 'queued';
CREATE INDEX jobs_finished ON jobs(updated_at_ms) WHERE state IN ('completed', 'failed', 'cancelled');
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id text NOT NULL,
    seq bigint NOT NULL,
    topic text NOT NULL,
    msg_key text NOT NULL,
    event_id text NOT NULL,
    event_type text NOT NULL,
    value bytea NOT NULL,
    headers bytea NOT NULL,
    created_at_ms bigint NOT NULL
);
CREATE INDEX outbox_created ON outbox(created_at_ms);
-- Rows not yet acknowledged, with the replica that publishes them (claimed_by, until the lease
-- ends) and whether its relay has them already (handed).
CREATE TABLE outbox_pending (
    id bigint PRIMARY KEY,
    job_id text NOT NULL,
    created_at_ms bigint NOT NULL,
    claimed_by text,
    claim_until_ms bigint NOT NULL DEFAULT 0,
    handed boolean NOT NULL DEFAULT false
);
CREATE INDEX outbox_pending_job ON outbox_pending(job_id, id);
CREATE INDEX outbox_pending_owner ON outbox_pending(claimed_by, id);
CREATE INDEX outbox_pending_unclaimed ON outbox_pending(id) WHERE claimed_by IS NULL;
)sql";

constexpr std::array<store::pg::Migration, 1> kMigrations{{
    {1, "jobs, outbox and pending rows with claims", kV1},
}};

}  // namespace

std::span<const store::pg::Migration> JobStoreMigrations() { return kMigrations; }

void ReadJob(const store::pg::Result& rows, int row, Job& job) {
    job.position = rows.Int(row, 0);
    job.job_id = rows.Text(row, 1);
    job.user_id = rows.Text(row, 2);
    job.name = rows.Text(row, 3);
    job.kind = rows.Text(row, 4);
    job.parameters = rows.Text(row, 5);
    job.priority = static_cast<int>(rows.Int(row, 6));
    job.state = ParseJobState(rows.Text(row, 7)).value_or(JobState::kSubmitted);
    job.created_at_ms = rows.Int(row, 8);
    job.updated_at_ms = rows.Int(row, 9);
    job.started_at_ms = rows.Int(row, 10);
    if (rows.IsNull(row, 11)) {
        job.execution_time_ms.reset();
    } else {
        job.execution_time_ms = rows.Int(row, 11);
    }
    job.error = rows.Text(row, 12);
    job.error_code = rows.Text(row, 13);
    job.reason = rows.Text(row, 14);
    job.executor = rows.Text(row, 15);
    job.correlation_id = rows.Text(row, 16);
    job.traceparent = rows.Text(row, 17);
    job.event_seq = rows.Int(row, 18);
}

}  // namespace cosmic::orchestrator
