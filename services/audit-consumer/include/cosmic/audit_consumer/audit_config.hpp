#pragma once
/// The audit-consumer's configuration keys (declared in one place, listed by --help) and the
/// typed settings built from them at startup.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "cosmic/audit/pg_audit_store.hpp"
#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/service/config.hpp"

namespace cosmic::audit {

inline constexpr std::int64_t kDefaultHttpPort = 8084;
inline constexpr std::string_view kConsumerGroup = "audit-trail-consumer-group";

struct AuditSettings {
    /// database.url is postgresql://…: `pg_store` is used, `store` is not.
    bool postgres = false;
    SqliteStoreOptions store;  ///< path from database.url or ${data_dir}/audit.db
    PgAuditStoreOptions pg_store;
    std::size_t batch_max_records = 1000;
    std::chrono::milliseconds batch_max_wait{50};
    std::chrono::milliseconds checkpoint_interval{std::chrono::seconds(60)};
    std::chrono::milliseconds purge_interval{std::chrono::hours(1)};
    std::chrono::milliseconds verify_interval{std::chrono::hours(1)};
    std::size_t query_default_limit = 100;
    std::size_t query_max_limit = 1000;
    std::size_t query_max_bytes = 4 * 1024 * 1024;
    std::size_t query_max_raw_bytes = 16 * 1024;
};

/// Declares the service's keys (and its default HTTP port, 8084).
void DeclareAuditConfig(service::ConfigSchema& schema);

/// Reads the declared keys. Throws service::ConfigError naming the key for values that only
/// make sense together (e.g. a default limit above the maximum) or an unsupported database URL.
AuditSettings LoadAuditSettings(const service::Config& config);

}  // namespace cosmic::audit
