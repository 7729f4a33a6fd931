#pragma once
/// job-orchestrator's configuration keys (declared with defaults and docs; `--help` lists them)
/// and the typed struct read from them in one place.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cosmic/job_orchestrator/jobs_api.hpp"
#include "cosmic/job_orchestrator/outbox_relay.hpp"
#include "cosmic/job_orchestrator/sim_executor.hpp"
#include "cosmic/job_orchestrator/store/pg_job_store.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/service/config.hpp"

namespace cosmic::orchestrator {

inline constexpr std::int64_t kDefaultHttpPort = 8081;
inline constexpr std::string_view kDatabaseFile = "orchestrator.db";

struct OrchestratorConfig {
    bool consume_commands = true;
    /// store.database_url chose PostgreSQL: `pg_store` is used and `store` is not.
    bool postgres = false;
    SqliteStoreOptions store;
    PgStoreOptions pg_store;
    bool relay_enabled = true;
    RelayOptions relay;
    std::chrono::milliseconds delivery_timeout{};
    std::chrono::milliseconds linger{};
    std::chrono::milliseconds sent_retention{};
    std::chrono::milliseconds idempotency_ttl{};
    std::optional<std::chrono::milliseconds> job_retention;  ///< nullopt = keep finished jobs
    std::chrono::milliseconds prune_interval{};
    std::chrono::milliseconds stats_interval{};
    JobsApiOptions api;
    bool executor_enabled = true;
    SimExecutorOptions executor;
    std::int64_t degraded_backlog = 0;
    std::chrono::milliseconds degraded_age{};
};

/// Declares the service's keys (and its default HTTP port 8081) on top of the common ones.
void DeclareOrchestratorConfig(service::ConfigSchema& schema);
/// Reads and cross-checks the keys; throws service::ConfigError naming the key.
OrchestratorConfig ReadOrchestratorConfig(const service::Config& config);

/// The SQLite path for a database URL: "" -> `${data_dir}/orchestrator.db`, "sqlite:///abs/path"
/// or "sqlite://rel/path" -> the path. Throws std::invalid_argument for another scheme or a
/// PostgreSQL URL (which ReadOrchestratorConfig handles before asking for a path).
std::string DatabasePath(const std::string& url, const std::string& data_dir);

}  // namespace cosmic::orchestrator
