#pragma once
/// Private to the PostgreSQL audit store: its migrations and the row readers.

#include <array>
#include <cstring>
#include <span>
#include <string_view>

#include "cosmic/audit/audit_record.hpp"
#include "cosmic/audit/audit_store.hpp"
#include "cosmic/store/postgres.hpp"

namespace cosmic::audit {

/// The schema steps of component "audit".
std::span<const store::pg::Migration> AuditMigrations();

/// The same columns, in the same order, as the SQLite store's kRecordColumns.
inline constexpr std::string_view kPgRecordColumns =
    R"sql(row_id, topic, partition, "offset", kafka_timestamp_ms, valid, violation, raw, event_id, event_type,
 occurred_at, occurred_at_ms, source, correlation_id, user_id, resource_id, job_id, action, payload,
 ingested_at_ms, prev_hash, hash)sql";
inline constexpr std::string_view kPgCheckpointColumns =
    "checkpoint_id, kind, topic, partition, first_offset, last_offset, row_count, head_hash, merkle_root, "
    "created_at_ms";

/// The 32-byte hash in a bytea column (the zero hash for another size, which then fails verification).
Hash HashAt(const store::pg::Result& rows, int row, int column);
void ReadStoredRecord(const store::pg::Result& rows, int row, StoredRecord& out);
void ReadCheckpoint(const store::pg::Result& rows, int row, CheckpointInfo& out);

}  // namespace cosmic::audit
