#include "cosmic/audit/sqlite_schema.hpp"

namespace cosmic::audit {

void ReadStoredRecord(const Statement& stmt, StoredRecord& out) {
    AuditRecord& r = out.record;
    out.row_id = stmt.Int(0);
    r.topic.assign(stmt.Text(1));
    r.partition = static_cast<std::int32_t>(stmt.Int(2));
    r.offset = stmt.Int(3);
    r.kafka_timestamp_ms = stmt.Int(4);
    r.valid = stmt.Int(5) != 0;
    r.violation.assign(stmt.Text(6));
    r.raw.assign(stmt.Blob(7));
    r.event_id.assign(stmt.Text(8));
    r.event_type.assign(stmt.Text(9));
    r.occurred_at.assign(stmt.Text(10));
    r.occurred_at_ms = stmt.Int(11);
    r.source.assign(stmt.Text(12));
    r.correlation_id.assign(stmt.Text(13));
    r.user_id.assign(stmt.Text(14));
    r.resource_id.assign(stmt.Text(15));
    r.job_id.assign(stmt.Text(16));
    r.action.assign(stmt.Text(17));
    r.payload.assign(stmt.Text(18));
    out.ingested_at_ms = stmt.Int(19);
    // A blob of the wrong size reads as the zero hash, which then fails verification.
    out.prev_hash = HashAt(stmt, 20);
    out.hash = HashAt(stmt, 21);
}

void ReadCheckpoint(const Statement& stmt, CheckpointInfo& out) {
    out.checkpoint_id = stmt.Int(0);
    out.kind.assign(stmt.Text(1));
    out.topic.assign(stmt.Text(2));
    out.partition = static_cast<std::int32_t>(stmt.Int(3));
    out.first_offset = stmt.Int(4);
    out.last_offset = stmt.Int(5);
    out.row_count = stmt.Int(6);
    out.head_hash = HashAt(stmt, 7);
    out.merkle_root = HashAt(stmt, 8);
    out.created_at_ms = stmt.Int(9);
}

}  // namespace cosmic::audit
