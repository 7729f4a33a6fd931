#include "cosmic/audit_consumer/audit_service.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "cosmic/audit_consumer/heartbeat.hpp"

namespace cosmic::audit {

namespace {

SqliteStoreOptions PrepareStore(SqliteStoreOptions options, schema::EpochClock clock) {
    options.clock = std::move(clock);
    const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return options;
}

AuditStore& OpenStore(service::Kit& kit, const AuditSettings& settings, std::function<std::size_t()>& partitions,
                      std::string& description) {
    if (settings.postgres) {
        PgAuditStoreOptions options = settings.pg_store;
        options.clock = kit.Clock();
        PgAuditStore& store = kit.Store<PgAuditStore>("store", std::move(options));
        partitions = [&store] { return store.PartitionCount(); };
        description = store.Description();
        return store;
    }
    SqliteAuditStore& store = kit.Store<SqliteAuditStore>("store", PrepareStore(settings.store, kit.Clock()));
    partitions = [&store] { return store.Heads().size(); };
    description = settings.store.path;
    return store;
}

}  // namespace

AuditService::AuditService(service::Kit& kit)
    : kit_(kit),
      settings_(LoadAuditSettings(kit.GetConfig())),
      metrics_(*kit.Registry()),
      store_(OpenStore(kit, settings_, partitions_, store_description_)),
      ingest_(store_, metrics_, kit.Clock()),
      api_(store_,
           QueryLimits{settings_.query_default_limit, settings_.query_max_limit,
                       PageBudget{settings_.query_max_bytes, settings_.query_max_raw_bytes}},
           kit.Clock(), [this](const VerifyReport& report) { metrics_.OnVerify(report, kit_.NowMs()); }) {
    api_.Register(kit.Http(), kit.Auth());

    // Invalid records are part of the batch (Record::event null): stored and flagged, never
    // dead-lettered, because an auditor must see them.
    service::ConsumeOptions consume;
    consume.tune = [this](kafka::RunnerOptions& options) {
        options.poll_batch_size = static_cast<int>(settings_.batch_max_records);
    };
    kit.Consume({"audit-trail"}, std::move(consume))
        .OnBatch([this](std::span<const kafka::Record> records) { return ingest_.HandleBatch(records); },
                 settings_.batch_max_records, settings_.batch_max_wait);

    // Rows since the last checkpoint get one when the service stops, so a restart starts from a
    // sealed state (after the consumer stopped, before the store closes).
    kit.Add("final-checkpoint", nullptr, [this](auto) { metrics_.OnCheckpoints(store_.Checkpoint(kit_.NowMs())); });
    kit.Every("checkpoint", settings_.checkpoint_interval,
              [this] { metrics_.OnCheckpoints(store_.Checkpoint(kit_.NowMs())); });
    kit.Every("retention", settings_.purge_interval, [this] { metrics_.OnPurge(store_.Purge(kit_.NowMs())); });
    kit.Every("verify", settings_.verify_interval, [this] { VerifyNow(); });
    kit.Heartbeat(
        [this](const service::HeartbeatCommon&, schema::JsonWriter& fields) { return WriteHeartbeat(fields); });
    spdlog::info("audit store {} ready", store_description_);
}

void AuditService::VerifyNow() {
    const VerifyReport report = store_.Verify();
    metrics_.OnVerify(report, kit_.NowMs());
    if (!report.ok && report.first_bad) {
        spdlog::error("audit chain verification FAILED at {}/{} offset {}: {}", report.first_bad->topic,
                      report.first_bad->partition, report.first_bad->offset, report.first_bad->detail);
    }
}

schema::HealthStatus AuditService::WriteHeartbeat(schema::JsonWriter& fields) {
    HeartbeatNumbers numbers;
    numbers.rows_stored = metrics_.Stored();
    numbers.duplicates = metrics_.Duplicates();
    numbers.invalid_rows = metrics_.Invalid();
    const std::uint64_t errors = metrics_.StoreErrors();
    numbers.store_errors_since_last = errors - store_errors_at_last_heartbeat_;
    store_errors_at_last_heartbeat_ = errors;
    numbers.partitions = partitions_();
    numbers.chain_verified = metrics_.ChainVerified();
    return WriteHeartbeatFields(numbers, fields);
}

}  // namespace cosmic::audit
