#include "cosmic/audit_consumer/audit_config.hpp"

#include <stdexcept>

#include "cosmic/store/database_url.hpp"

namespace cosmic::audit {

using std::chrono::milliseconds;
using std::chrono::seconds;

void DeclareAuditConfig(service::ConfigSchema& schema) {
    schema.SetDefault("http.port", kDefaultHttpPort);
    schema.SetDefault("consumer.group_id", std::string(kConsumerGroup));
    // A batch that cannot be written is retried for a long time before it is dead-lettered: the
    // store is the only place an audit record is useful, and most write failures heal (a busy or
    // full disk).
    schema.SetDefault("consumer.retry_max_attempts", std::int64_t{100});
    schema.String("database.url", "",
                  "Audit store: sqlite:///path/audit.db (empty means ${data_dir}/audit.db) or "
                  "postgresql://user:password@host:5432/db, shared by every replica (docs/postgresql.md).",
                  "COSMIC_DATABASE_URL");
    schema.Int("database.pool_size", 4, 1, 1000, "PostgreSQL: connections this process opens at most.");
    schema.Duration("database.retry_deadline_ms", seconds(30), milliseconds(0), milliseconds(600'000),
                    "PostgreSQL: how long a store call retries transient errors (server restart, deadlock); the "
                    "consumer then retries the batch.");
    schema.Int("audit.retention_days", 90, 1, 36500,
               "Rows whose occurred_at is older than this many days are purged (in chain order).");
    schema.Duration("audit.purge_interval_ms", milliseconds(std::chrono::hours(1)), milliseconds(1000),
                    milliseconds(std::chrono::hours(24 * 7)), "How often retention runs.");
    schema.Duration("audit.checkpoint_interval_ms", seconds(60), milliseconds(100),
                    milliseconds(std::chrono::hours(24)),
                    "How often partitions with new rows get a checkpoint (chain head + Merkle root).");
    schema.Int("audit.checkpoint_every_rows", 10000, 1, 10'000'000,
               "A partition is also checkpointed as soon as this many rows arrived since its last checkpoint.");
    schema.Duration("audit.verify_interval_ms", milliseconds(std::chrono::hours(1)), milliseconds(0),
                    milliseconds(std::chrono::hours(24 * 7)),
                    "How often the service re-verifies every chain on its own (0 = never; the API can always).");
    schema.Bool("audit.durable", true,
                "true: SQLite synchronous=FULL / PostgreSQL synchronous_commit=on, a committed batch survives "
                "power loss; false: NORMAL / off (faster, the last batches can be lost on power loss or a server "
                "crash, not on a process crash of the service).");
    schema.Int("audit.batch_max_records", 1000, 1, 100'000,
               "Records written per transaction (memory bound of a batch); the offsets are stored after it commits.");
    schema.Duration("audit.batch_max_wait_ms", milliseconds(50), milliseconds(1), seconds(10),
                    "A batch is written at the latest this long after its first record arrived.");
    schema.Int("audit.read_connections", 4, 1, 64, "SQLite read connections for the API.");
    schema.Int("audit.cache_size_kib", 16384, 256, 4'194'304, "SQLite page cache per connection (KiB).");
    schema.Int("audit.purge_chunk_rows", 5000, 1, 1'000'000,
               "Rows deleted per retention transaction (bounds how long ingest waits for a purge).");
    schema.Int("audit.query_default_limit", 100, 1, 10'000, "Rows per page when the request has no limit.");
    schema.Int("audit.query_max_limit", 1000, 1, 10'000, "Largest page; bigger limits are capped to it.");
    schema.Int("audit.query_max_bytes", 4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024,
               "A page stops before the row that would take it past this many bytes (next_cursor continues).");
    schema.Int("audit.query_max_raw_bytes", 16 * 1024, 0, 16 * 1024 * 1024,
               "Raw bytes of an invalid record shown in a page; the rest via /api/v1/audit/events/{row_id}.");
}

AuditSettings LoadAuditSettings(const service::Config& config) {
    AuditSettings s;
    try {
        const std::string url = config.GetString("database.url");
        if (!url.empty() && store::ParseDatabaseUrl(url).backend == store::Backend::kPostgres) {
            s.postgres = true;
            s.pg_store.url = url;
        } else {
            s.store.path = store::SqlitePathFromUrl(url, config.GetString("data_dir"), "audit.db");
        }
    } catch (const std::invalid_argument& error) {
        throw service::ConfigError("database.url", config.SourceOf("database.url"), error.what());
    }
    s.store.retention_ms = config.GetInt("audit.retention_days") * kDayMs;
    s.store.durable = config.GetBool("audit.durable");
    s.store.checkpoint_every_rows = static_cast<std::size_t>(config.GetInt("audit.checkpoint_every_rows"));
    s.store.read_connections = static_cast<std::size_t>(config.GetInt("audit.read_connections"));
    s.store.cache_size_kib = config.GetInt("audit.cache_size_kib");
    s.store.purge_chunk_rows = static_cast<std::size_t>(config.GetInt("audit.purge_chunk_rows"));
    s.pg_store.pool_size = static_cast<std::size_t>(config.GetInt("database.pool_size"));
    s.pg_store.retry_deadline = config.GetDuration("database.retry_deadline_ms");
    s.pg_store.retention_ms = s.store.retention_ms;
    s.pg_store.durable = s.store.durable;
    s.pg_store.checkpoint_every_rows = s.store.checkpoint_every_rows;
    s.pg_store.purge_chunk_rows = s.store.purge_chunk_rows;
    s.batch_max_records = static_cast<std::size_t>(config.GetInt("audit.batch_max_records"));
    s.batch_max_wait = config.GetDuration("audit.batch_max_wait_ms");
    s.checkpoint_interval = config.GetDuration("audit.checkpoint_interval_ms");
    s.purge_interval = config.GetDuration("audit.purge_interval_ms");
    s.verify_interval = config.GetDuration("audit.verify_interval_ms");
    s.query_default_limit = static_cast<std::size_t>(config.GetInt("audit.query_default_limit"));
    s.query_max_limit = static_cast<std::size_t>(config.GetInt("audit.query_max_limit"));
    s.query_max_bytes = static_cast<std::size_t>(config.GetInt("audit.query_max_bytes"));
    s.query_max_raw_bytes = static_cast<std::size_t>(config.GetInt("audit.query_max_raw_bytes"));
    if (s.query_default_limit > s.query_max_limit) {
        throw service::ConfigError("audit.query_default_limit", config.SourceOf("audit.query_default_limit"),
                                   "must not exceed audit.query_max_limit");
    }
    return s;
}

}  // namespace cosmic::audit
