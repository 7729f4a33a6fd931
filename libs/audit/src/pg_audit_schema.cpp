// The PostgreSQL schema of the audit store (component "audit"), applied by Migrate at startup.

#include "cosmic/audit/pg_audit_schema.hpp"

namespace cosmic::audit {
namespace {

// Empty strings of the optional columns are stored as NULL (NULLIF on insert), as in SQLite.
constexpr std::string_view kV1 = R"sql(
CREATE TABLE audit_events (
    row_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic              text     NOT NULL,
    partition          integer  NOT NULL,
    "offset"           bigint   NOT NULL,
    kafka_timestamp_ms bigint   NOT NULL,
    valid              smallint NOT NULL,
    violation          text,
    raw                bytea,
    event_id           text     NOT NULL,
    event_type         text     NOT NULL,
    occurred_at        text     NOT NULL,
    occurred_at_ms     bigint   NOT NULL,
    source             text     NOT NULL,
    correlation_id     text     NOT NULL,
    user_id            text,
    resource_id        text,
    job_id             text,
    action             text,
    payload            text     NOT NULL,
    ingested_at_ms     bigint   NOT NULL,
    prev_hash          bytea    NOT NULL,
    hash               bytea    NOT NULL,
    UNIQUE (topic, partition, "offset")
);
CREATE INDEX audit_events_resource ON audit_events (resource_id, row_id);
CREATE INDEX audit_events_job ON audit_events (job_id, row_id);
CREATE INDEX audit_events_user ON audit_events (user_id, row_id);
CREATE INDEX audit_events_occurred ON audit_events (occurred_at_ms);
CREATE INDEX audit_events_invalid ON audit_events (row_id) WHERE valid = 0;
CREATE TABLE audit_checkpoints (
    checkpoint_id  bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           text    NOT NULL CHECK (kind IN ('periodic', 'anchor')),
    topic          text    NOT NULL,
    partition      integer NOT NULL,
    first_offset   bigint  NOT NULL,
    last_offset    bigint  NOT NULL,
    row_count      bigint  NOT NULL,
    head_hash      bytea   NOT NULL,
    merkle_root    bytea   NOT NULL,
    created_at_ms  bigint  NOT NULL
);
CREATE INDEX audit_checkpoints_partition ON audit_checkpoints (topic, partition, last_offset);
-- The chain head of every partition: what the next row chains from, whichever replica writes it.
CREATE TABLE audit_chain_heads (
    topic                text    NOT NULL,
    partition            integer NOT NULL,
    last_offset          bigint  NOT NULL DEFAULT -1,
    head                 bytea   NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000',
    pending_first_offset bigint  NOT NULL DEFAULT -1,
    pending_count        bigint  NOT NULL DEFAULT 0,
    PRIMARY KEY (topic, partition)
);
-- The youngest cut retention may make (owner-managed): a purge never deletes rows newer than this.
CREATE TABLE audit_policy (
    id                 integer PRIMARY KEY CHECK (id = 1),
    min_retention_ms   bigint  NOT NULL
);
INSERT INTO audit_policy VALUES (1, 86400000);

-- Append-only, enforced by the database for every role: no UPDATE or TRUNCATE ever; DELETE only
-- inside cosmic_audit_purge().
CREATE FUNCTION audit_events_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('cosmic.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only (%)', TG_OP USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_guard();
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_guard();

-- Retention: deletes up to p_chunk rows of the partition's prefix older than p_cutoff_ms (in
-- offset order, stopping at the first younger row) and anchors the cut, so the rest verifies.
-- Runs as its owner, so the service's role needs no DELETE; refuses a cutoff younger than the policy.
CREATE FUNCTION cosmic_audit_purge(p_topic text, p_partition integer, p_cutoff_ms bigint, p_chunk bigint,
                                   p_now_ms bigint) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
    v_min bigint;
    v_stop bigint;
    v_first bigint;
    v_cut bigint;
    v_cut_hash bytea;
    v_deleted bigint;
BEGIN
    SELECT min_retention_ms INTO v_min FROM audit_policy WHERE id = 1;
    IF p_cutoff_ms > p_now_ms - v_min OR p_now_ms > (extract(epoch FROM clock_timestamp()) * 1000)::bigint + 300000 THEN
        RAISE EXCEPTION 'cosmic_audit_purge: cutoff % is inside the minimum retention', p_cutoff_ms
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT min("offset") INTO v_stop FROM audit_events
        WHERE topic = p_topic AND partition = p_partition AND occurred_at_ms >= p_cutoff_ms;
    SELECT min(s."offset"), max(s."offset") INTO v_first, v_cut FROM (
        SELECT "offset" FROM audit_events
        WHERE topic = p_topic AND partition = p_partition AND (v_stop IS NULL OR "offset" < v_stop)
        ORDER BY "offset" LIMIT p_chunk) s;
    IF v_cut IS NULL THEN
        RETURN 0;
    END IF;
    SELECT hash INTO v_cut_hash FROM audit_events WHERE topic = p_topic AND partition = p_partition AND "offset" = v_cut;
    PERFORM set_config('cosmic.audit_purge', 'on', true);
    DELETE FROM audit_events WHERE topic = p_topic AND partition = p_partition AND "offset" <= v_cut;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    PERFORM set_config('cosmic.audit_purge', 'off', true);
    DELETE FROM audit_checkpoints WHERE topic = p_topic AND partition = p_partition
        AND (kind = 'anchor' OR last_offset <= v_cut);
    INSERT INTO audit_checkpoints (kind, topic, partition, first_offset, last_offset, row_count, head_hash,
                                   merkle_root, created_at_ms)
        VALUES ('anchor', p_topic, p_partition, v_first, v_cut, v_deleted, v_cut_hash,
                '\x0000000000000000000000000000000000000000000000000000000000000000', p_now_ms);
    RETURN v_deleted;
END $$;
REVOKE ALL ON FUNCTION cosmic_audit_purge(text, integer, bigint, bigint, bigint) FROM PUBLIC;
)sql";

constexpr std::array<store::pg::Migration, 1> kMigrations{{
    {1, "audit events, checkpoints, chain heads, append-only guard and purge function", kV1},
}};

Hash ToHash(const std::string& bytes) {
    Hash out{};
    if (bytes.size() == out.size()) std::memcpy(out.data(), bytes.data(), out.size());
    return out;
}

}  // namespace

std::span<const store::pg::Migration> AuditMigrations() { return kMigrations; }

Hash HashAt(const store::pg::Result& rows, int row, int column) { return ToHash(rows.Bytes(row, column)); }

void ReadStoredRecord(const store::pg::Result& rows, int row, StoredRecord& out) {
    AuditRecord& r = out.record;
    out.row_id = rows.Int(row, 0);
    r.topic.assign(rows.Text(row, 1));
    r.partition = static_cast<std::int32_t>(rows.Int(row, 2));
    r.offset = rows.Int(row, 3);
    r.kafka_timestamp_ms = rows.Int(row, 4);
    r.valid = rows.Int(row, 5) != 0;
    r.violation.assign(rows.Text(row, 6));
    r.raw = rows.IsNull(row, 7) ? std::string() : rows.Bytes(row, 7);
    r.event_id.assign(rows.Text(row, 8));
    r.event_type.assign(rows.Text(row, 9));
    r.occurred_at.assign(rows.Text(row, 10));
    r.occurred_at_ms = rows.Int(row, 11);
    r.source.assign(rows.Text(row, 12));
    r.correlation_id.assign(rows.Text(row, 13));
    r.user_id.assign(rows.Text(row, 14));
    r.resource_id.assign(rows.Text(row, 15));
    r.job_id.assign(rows.Text(row, 16));
    r.action.assign(rows.Text(row, 17));
    r.payload.assign(rows.Text(row, 18));
    out.ingested_at_ms = rows.Int(row, 19);
    out.prev_hash = HashAt(rows, row, 20);
    out.hash = HashAt(rows, row, 21);
}

void ReadCheckpoint(const store::pg::Result& rows, int row, CheckpointInfo& out) {
    out.checkpoint_id = rows.Int(row, 0);
    out.kind.assign(rows.Text(row, 1));
    out.topic.assign(rows.Text(row, 2));
    out.partition = static_cast<std::int32_t>(rows.Int(row, 3));
    out.first_offset = rows.Int(row, 4);
    out.last_offset = rows.Int(row, 5);
    out.row_count = rows.Int(row, 6);
    out.head_hash = HashAt(rows, row, 7);
    out.merkle_root = HashAt(rows, row, 8);
    out.created_at_ms = rows.Int(row, 9);
}

}  // namespace cosmic::audit
