#pragma once
/// audit-consumer: consumes audit-trail (group audit-trail-consumer-group) into the
/// tamper-evident store of libs/audit and serves the audit API. Assembled by the service kit:
/// the store (a final checkpoint when the service stops), batch ingest, the API, three timers
/// (checkpoint, retention, self-verification) and the heartbeat.

#include <cstdint>
#include <functional>
#include <string>

#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/audit_consumer/audit_api.hpp"
#include "cosmic/audit_consumer/audit_config.hpp"
#include "cosmic/audit_consumer/audit_ingest.hpp"
#include "cosmic/audit_consumer/audit_metrics.hpp"
#include "cosmic/service/kit.hpp"

namespace cosmic::audit {

class AuditService {
  public:
    static void DeclareConfig(service::ConfigSchema& schema) { DeclareAuditConfig(schema); }

    explicit AuditService(service::Kit& kit);

    AuditStore& Store() { return store_; }
    const AuditSettings& Settings() const { return settings_; }

  private:
    void VerifyNow();
    schema::HealthStatus WriteHeartbeat(schema::JsonWriter& fields);

    service::Kit& kit_;
    AuditSettings settings_;
    AuditMetrics metrics_;
    std::function<std::size_t()> partitions_;  ///< chains the store knows (heartbeat)
    std::string store_description_;
    AuditStore& store_;
    AuditIngest ingest_;
    AuditApi api_;
    std::uint64_t store_errors_at_last_heartbeat_ = 0;  ///< heartbeat thread only
};

}  // namespace cosmic::audit
