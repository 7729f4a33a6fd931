#include "cosmic/job_orchestrator/orchestrator_config.hpp"

#include <stdexcept>

#include "cosmic/store/database_url.hpp"

namespace cosmic::orchestrator {

using std::chrono::milliseconds;

namespace {

constexpr milliseconds kDay{24LL * 3600 * 1000};

}  // namespace

void DeclareOrchestratorConfig(service::ConfigSchema& schema) {
    schema.SetDefault("http.port", std::int64_t{kDefaultHttpPort});
    schema.SetDefault("consumer.group_id", std::string("job-orchestrator-group"));
    schema.Bool("consumer.enabled", true, "Consume job-commands (command.submit / cancel / report).");
    schema.String("store.database_url", "",
                  "Job store: sqlite:///path/to/file.db (empty = ${data_dir}/orchestrator.db) or "
                  "postgresql://user:password@host:5432/db (replicas share it; see docs/postgresql.md).",
                  "COSMIC_DATABASE_URL");
    schema.Enum("store.synchronous", "full", {"full", "normal"},
                "SQLite synchronous mode: full fsyncs every commit; normal may lose the last commits on power "
                "loss (never on a process crash).");
    schema.Duration("store.busy_timeout_ms", milliseconds(5000), milliseconds(0), milliseconds(600'000),
                    "How long a store call waits for a lock held by another connection.");
    schema.Int("store.pool_size", 8, 1, 1000, "PostgreSQL: connections this process opens at most.");
    schema.Duration("store.retry_deadline_ms", milliseconds(30'000), milliseconds(0), milliseconds(600'000),
                    "PostgreSQL: how long a store call retries transient errors (server restart, deadlock) "
                    "before it fails.");
    schema.Duration("store.claim_lease_ms", milliseconds(60'000), milliseconds(1000), milliseconds(3'600'000),
                    "PostgreSQL: how long this replica's claim on a job's outbox rows lasts without renewal; "
                    "after a replica dies another publishes its jobs' rows this much later.");
    schema.Bool("outbox.relay_enabled", true,
                "Publish the outbox from this process. false = API and state machine only; the rows wait for a "
                "process with the relay (or this one after a restart).");
    schema.Int("outbox.batch_size", 2000, 1, 100'000, "Outbox rows the relay reads per query.");
    schema.Int("outbox.max_in_flight", 20'000, 1, 1'000'000,
               "Outbox rows handed to the producer and not yet acknowledged (the relay's memory bound).");
    schema.Duration("outbox.poll_interval_ms", milliseconds(1000), milliseconds(10), milliseconds(600'000),
                    "Relay wake-up without a notification (rows written by another process).");
    schema.Duration("outbox.retry_backoff_ms", milliseconds(1000), milliseconds(0), milliseconds(600'000),
                    "After a failed delivery, wait this long, then publish again from the oldest pending row.");
    schema.Duration("outbox.delivery_timeout_ms", milliseconds(300'000), milliseconds(1000), milliseconds(86'400'000),
                    "message.timeout.ms of the relay's producer: a record not acknowledged by then fails and is "
                    "retried by the relay.");
    schema.Duration("outbox.linger_ms", milliseconds(5), milliseconds(0), milliseconds(1000),
                    "linger.ms of the relay's producer (batching vs latency).");
    schema.Duration("outbox.sent_retention_ms", milliseconds(3'600'000), milliseconds(0), 30 * kDay,
                    "Sent outbox rows are deleted after this long (bounded disk).");
    schema.Duration("outbox.prune_interval_ms", milliseconds(60'000), milliseconds(0), kDay,
                    "How often retention runs (sent rows, idempotency keys, finished jobs); 0 = never.");
    schema.Duration("outbox.stats_interval_ms", milliseconds(5000), milliseconds(100), milliseconds(600'000),
                    "How often the outbox backlog and job counts are read for metrics and the heartbeat.");
    schema.Duration("jobs.idempotency_ttl_ms", kDay, milliseconds(0), 365 * kDay,
                    "Idempotency-Key lifetime: a key older than this may be reused for a new job.");
    schema.Duration("jobs.retention_ms", 30 * kDay, milliseconds(0), 3650 * kDay,
                    "Finished jobs (completed/failed/cancelled) are deleted this long after their last change; "
                    "0 keeps them.");
    schema.Int("api.list_default_limit", 50, 1, 10'000, "Jobs per page of GET /api/v1/jobs without ?limit=.");
    schema.Int("api.list_max_limit", 500, 1, 10'000, "Largest ?limit= accepted by GET /api/v1/jobs.");
    schema.Bool("executor.enabled", true, "Run the built-in simulated executor.");
    schema.Int("executor.concurrency", 4, 1, 100'000, "Jobs the simulated executor runs at once.");
    schema.Enum("executor.duration_distribution", "uniform", {"fixed", "uniform", "exponential"},
                "Simulated run time: fixed = duration_mean_ms; uniform in [duration_min_ms, duration_max_ms]; "
                "exponential with mean duration_mean_ms clamped to [min, max].");
    schema.Duration("executor.duration_mean_ms", milliseconds(5000), milliseconds(0), kDay,
                    "Simulated run time: fixed value or exponential mean.");
    schema.Duration("executor.duration_min_ms", milliseconds(2000), milliseconds(0), kDay,
                    "Simulated run time lower bound.");
    schema.Duration("executor.duration_max_ms", milliseconds(8000), milliseconds(0), kDay,
                    "Simulated run time upper bound.");
    schema.Double("executor.failure_rate", 0.1, 0.0, 1.0, "Probability that a simulated job fails.");
    schema.Duration("executor.metrics_interval_ms", milliseconds(1000), milliseconds(0), milliseconds(3'600'000),
                    "job.metrics sample period of each running simulated job; 0 = only the final sample.");
    schema.Duration("executor.poll_interval_ms", milliseconds(1000), milliseconds(10), milliseconds(600'000),
                    "How often the executor looks for queued jobs without a notification.");
    schema.Int("executor.seed", 0, 0, INT64_MAX, "Random seed of the simulation; 0 = random.");
    schema.Int("heartbeat.degraded_backlog", 100'000, 1, INT64_MAX,
               "Pending outbox rows at which the heartbeat reports DEGRADED.");
    schema.Duration("heartbeat.degraded_age_ms", milliseconds(60'000), milliseconds(1), kDay,
                    "Age of the oldest pending outbox row at which the heartbeat reports DEGRADED.");
}

std::string DatabasePath(const std::string& url, const std::string& data_dir) {
    return store::SqlitePathFromUrl(url, data_dir, kDatabaseFile);
}

OrchestratorConfig ReadOrchestratorConfig(const service::Config& config) {
    OrchestratorConfig out;
    out.consume_commands = config.GetBool("consumer.enabled");
    try {
        const std::string url = config.GetString("store.database_url");
        if (!url.empty() && store::ParseDatabaseUrl(url).backend == store::Backend::kPostgres) {
            out.postgres = true;
            out.pg_store.url = url;
        } else {
            out.store.path = DatabasePath(url, config.GetString("data_dir"));
        }
    } catch (const std::invalid_argument& error) {
        throw service::ConfigError("store.database_url", config.SourceOf("store.database_url"), error.what());
    }
    out.store.synchronous = config.GetString("store.synchronous") == "normal" ? "NORMAL" : "FULL";
    out.store.busy_timeout_ms = static_cast<int>(config.GetDuration("store.busy_timeout_ms").count());
    out.pg_store.pool_size = static_cast<std::size_t>(config.GetInt("store.pool_size"));
    out.pg_store.retry_deadline = config.GetDuration("store.retry_deadline_ms");
    out.pg_store.claim_lease = config.GetDuration("store.claim_lease_ms");
    out.relay_enabled = config.GetBool("outbox.relay_enabled");
    out.relay.batch_size = static_cast<std::size_t>(config.GetInt("outbox.batch_size"));
    out.relay.max_in_flight = static_cast<std::size_t>(config.GetInt("outbox.max_in_flight"));
    out.relay.poll_interval = config.GetDuration("outbox.poll_interval_ms");
    out.relay.retry_backoff = config.GetDuration("outbox.retry_backoff_ms");
    out.delivery_timeout = config.GetDuration("outbox.delivery_timeout_ms");
    out.linger = config.GetDuration("outbox.linger_ms");
    out.sent_retention = config.GetDuration("outbox.sent_retention_ms");
    out.prune_interval = config.GetDuration("outbox.prune_interval_ms");
    out.stats_interval = config.GetDuration("outbox.stats_interval_ms");
    out.idempotency_ttl = config.GetDuration("jobs.idempotency_ttl_ms");
    if (const auto retention = config.GetDuration("jobs.retention_ms"); retention.count() > 0) {
        out.job_retention = retention;
    }
    out.api.default_limit = static_cast<std::size_t>(config.GetInt("api.list_default_limit"));
    out.api.max_limit = static_cast<std::size_t>(config.GetInt("api.list_max_limit"));
    if (out.api.default_limit > out.api.max_limit) {
        throw service::ConfigError("api.list_default_limit", config.SourceOf("api.list_default_limit"),
                                   "must not exceed api.list_max_limit");
    }
    out.executor_enabled = config.GetBool("executor.enabled");
    out.executor.concurrency = static_cast<std::size_t>(config.GetInt("executor.concurrency"));
    out.executor.model.distribution = ParseDurationDistribution(config.GetString("executor.duration_distribution"));
    out.executor.model.mean = config.GetDuration("executor.duration_mean_ms");
    out.executor.model.min = config.GetDuration("executor.duration_min_ms");
    out.executor.model.max = config.GetDuration("executor.duration_max_ms");
    if (out.executor.model.min > out.executor.model.max) {
        throw service::ConfigError("executor.duration_min_ms", config.SourceOf("executor.duration_min_ms"),
                                   "must not exceed executor.duration_max_ms");
    }
    out.executor.model.failure_rate = config.GetDouble("executor.failure_rate");
    out.executor.model.seed = static_cast<std::uint64_t>(config.GetInt("executor.seed"));
    out.executor.metrics_interval = config.GetDuration("executor.metrics_interval_ms");
    out.executor.poll_interval = config.GetDuration("executor.poll_interval_ms");
    out.degraded_backlog = config.GetInt("heartbeat.degraded_backlog");
    out.degraded_age = config.GetDuration("heartbeat.degraded_age_ms");
    return out;
}

}  // namespace cosmic::orchestrator
