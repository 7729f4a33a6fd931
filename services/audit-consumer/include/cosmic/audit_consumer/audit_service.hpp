#pragma once
/// audit-consumer: consumes audit-trail (group audit-trail-consumer-group) into a tamper-evident
/// SQLite store and serves the audit API. Components, started in this order and stopped in
/// reverse: store (final checkpoint on stop), heartbeat producer, consumer runner, maintenance.

#include <cstdint>
#include <memory>

#include "cosmic/audit_consumer/audit_api.hpp"
#include "cosmic/audit_consumer/audit_config.hpp"
#include "cosmic/audit_consumer/audit_ingest.hpp"
#include "cosmic/audit_consumer/audit_metrics.hpp"
#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/audit_consumer/maintenance.hpp"
#include "cosmic/audit/sqlite_audit_store.hpp"

namespace cosmic::audit {

class AuditService {
  public:
    static constexpr std::string_view kName = "audit-consumer";

    static void DeclareConfig(service::ConfigSchema& schema) { DeclareAuditConfig(schema); }

    /// Opens the store, builds the consumer, producer and API and adds them to `runtime`.
    explicit AuditService(service::Runtime& runtime);
    ~AuditService();

    SqliteAuditStore& Store() { return *store_; }
    const AuditSettings& Settings() const { return settings_; }

  private:
    /// The heartbeat snapshot now (runs on the heartbeat thread).
    kafka::HeartbeatSnapshot CollectHeartbeat();
    static std::int64_t NowMs();

    service::Runtime& runtime_;
    AuditSettings settings_;
    AuditMetrics metrics_;
    std::unique_ptr<SqliteAuditStore> store_;
    std::unique_ptr<AuditIngest> ingest_;
    std::unique_ptr<AuditApi> api_;
    std::unique_ptr<kafka::Producer> producer_;
    std::unique_ptr<kafka::Runner> runner_;
    std::unique_ptr<Maintenance> maintenance_;
    std::uint64_t store_errors_at_last_heartbeat_ = 0;
    /// Last: destroyed first, so its thread never sees the members it reads gone.
    std::unique_ptr<kafka::Heartbeat> heartbeat_;
};

}  // namespace cosmic::audit
