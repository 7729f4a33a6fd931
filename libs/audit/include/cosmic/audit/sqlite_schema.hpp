#pragma once
/// The SQLite schema of the audit store and the one column list every reader uses.

#include <string_view>

#include "cosmic/audit/audit_record.hpp"
#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

inline constexpr int kSchemaVersion = 1;

/// Tables, indexes and the append-only guard. Empty strings of the optional columns are stored
/// as NULL (NULLIF on insert) so they stay out of the indexes and out of COUNT(DISTINCT).
inline constexpr std::string_view kCreateSchemaSql = R"sql(
CREATE TABLE IF NOT EXISTS audit_events (
    row_id             INTEGER PRIMARY KEY,
    topic              TEXT    NOT NULL,
    partition          INTEGER NOT NULL,
    "offset"           INTEGER NOT NULL,
    kafka_timestamp_ms INTEGER NOT NULL,
    valid              INTEGER NOT NULL,
    violation          TEXT,
    raw                BLOB,
    event_id           TEXT    NOT NULL,
    event_type         TEXT    NOT NULL,
    occurred_at        TEXT    NOT NULL,
    occurred_at_ms     INTEGER NOT NULL,
    source             TEXT    NOT NULL,
    correlation_id     TEXT    NOT NULL,
    user_id            TEXT,
    resource_id        TEXT,
    job_id             TEXT,
    action             TEXT,
    payload            TEXT    NOT NULL,
    ingested_at_ms     INTEGER NOT NULL,
    prev_hash          BLOB    NOT NULL,
    hash               BLOB    NOT NULL,
    UNIQUE (topic, partition, "offset")
);
CREATE INDEX IF NOT EXISTS audit_events_resource ON audit_events (resource_id, row_id);
CREATE INDEX IF NOT EXISTS audit_events_job ON audit_events (job_id, row_id);
CREATE INDEX IF NOT EXISTS audit_events_user ON audit_events (user_id, row_id);
CREATE INDEX IF NOT EXISTS audit_events_occurred ON audit_events (occurred_at_ms);
CREATE INDEX IF NOT EXISTS audit_events_invalid ON audit_events (row_id) WHERE valid = 0;
CREATE TRIGGER IF NOT EXISTS audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
CREATE TABLE IF NOT EXISTS checkpoints (
    checkpoint_id  INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL CHECK (kind IN ('periodic', 'anchor')),
    topic          TEXT    NOT NULL,
    partition      INTEGER NOT NULL,
    first_offset   INTEGER NOT NULL,
    last_offset    INTEGER NOT NULL,
    row_count      INTEGER NOT NULL,
    head_hash      BLOB    NOT NULL,
    merkle_root    BLOB    NOT NULL,
    created_at_ms  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS checkpoints_partition ON checkpoints (topic, partition, last_offset);
)sql";

/// Column list shared by queries and verification; ReadStoredRecord reads it back.
inline constexpr std::string_view kRecordColumns =
    R"sql(row_id, topic, partition, "offset", kafka_timestamp_ms, valid, violation, raw, event_id, event_type,
 occurred_at, occurred_at_ms, source, correlation_id, user_id, resource_id, job_id, action, payload,
 ingested_at_ms, prev_hash, hash)sql";

/// Fills `out` from the current row of a statement selecting kRecordColumns first.
void ReadStoredRecord(const Statement& stmt, StoredRecord& out);

inline constexpr std::string_view kCheckpointColumns =
    "checkpoint_id, kind, topic, partition, first_offset, last_offset, row_count, head_hash, merkle_root, "
    "created_at_ms";

/// Fills `out` from the current row of a statement selecting kCheckpointColumns first.
void ReadCheckpoint(const Statement& stmt, CheckpointInfo& out);

}  // namespace cosmic::audit
