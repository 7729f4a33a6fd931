#include "cosmic/audit_consumer/audit_service.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>

#include "cosmic/schema/topics.hpp"
#include "cosmic/audit_consumer/heartbeat.hpp"

namespace cosmic::audit {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

milliseconds Remaining(steady_clock::time_point deadline) {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
}

}  // namespace

std::int64_t AuditService::NowMs() {
    return std::chrono::duration_cast<milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

AuditService::AuditService(service::Runtime& runtime)
    : runtime_(runtime), settings_(LoadAuditSettings(runtime.GetConfig())), metrics_(*runtime.Registry()) {
    const auto auth = runtime.Auth();  // the audit API always requires a token

    const std::filesystem::path db_dir = std::filesystem::path(settings_.store.path).parent_path();
    if (!db_dir.empty()) std::filesystem::create_directories(db_dir);
    store_ = std::make_unique<SqliteAuditStore>(settings_.store);

    ingest_ = std::make_unique<AuditIngest>(*store_, metrics_, &AuditService::NowMs);
    api_ = std::make_unique<AuditApi>(*store_, QueryLimits{settings_.query_default_limit, settings_.query_max_limit},
                                      &AuditService::NowMs,
                                      [this](const VerifyReport& report) { metrics_.OnVerify(report, NowMs()); });
    api_->Register(runtime.Http(), auth);

    kafka::ProducerOptions producer_options;
    producer_options.client_id = std::string(kName) + "-" + runtime.InstanceId();
    producer_ = std::make_unique<kafka::Producer>(runtime.Kafka(), producer_options, runtime.Registry());

    kafka::RunnerOptions runner_options;
    runner_options.group_id = std::string(kConsumerGroup);
    runner_options.topics = {std::string(schema::Spec(schema::TopicId::kAuditTrail).name)};
    runner_options.client = runtime.Kafka();
    runner_options.client_id = std::string(kName) + "-" + runtime.InstanceId();
    runner_options.retry.max_attempts = settings_.retry_max_attempts;
    runner_options.poll_batch_size = static_cast<int>(settings_.batch_max_records);
    runner_options.shutdown_deadline = runtime.GetConfig().GetDuration("shutdown.deadline_ms");
    runner_ = std::make_unique<kafka::Runner>(runner_options, runtime.Registry());
    // Invalid records are part of the batch (Record::event null): stored and flagged, never
    // dead-lettered, because an auditor must see them.
    runner_->OnBatch([this](std::span<const kafka::Record> records) { return ingest_->HandleBatch(records); },
                     settings_.batch_max_records, settings_.batch_max_wait);

    runtime.Http().AddReadinessCheck("store", [this](std::string& detail) {
        detail = settings_.store.path;
        return store_ != nullptr;
    });
    runtime.Http().AddReadinessCheck("consumer", [this](std::string& detail) {
        if (!runner_->Enabled()) {
            detail = "kafka disabled";
            return true;
        }
        const bool ready = runner_->Ready();
        detail = runner_->ReadinessDetail();
        return ready;
    });

    maintenance_ = std::make_unique<Maintenance>(std::vector<Maintenance::Task>{
        {"checkpoint", settings_.checkpoint_interval, [this] { metrics_.OnCheckpoints(store_->Checkpoint(NowMs())); }},
        {"retention", settings_.purge_interval, [this] { metrics_.OnPurge(store_->Purge(NowMs())); }},
        {"verify", settings_.verify_interval,
         [this] {
             const VerifyReport report = store_->Verify();
             metrics_.OnVerify(report, NowMs());
             if (!report.ok && report.first_bad) {
                 spdlog::error("audit chain verification FAILED at {}/{} offset {}: {}", report.first_bad->topic,
                               report.first_bad->partition, report.first_bad->offset, report.first_bad->detail);
             }
         }},
    });

    runtime.Add(std::make_unique<service::FunctionComponent>(
        "store", [this] { spdlog::info("audit store {} ready", settings_.store.path); },
        [this](steady_clock::time_point) {
            // Rows since the last checkpoint get one now, so a restart starts from a sealed state.
            metrics_.OnCheckpoints(store_->Checkpoint(NowMs()));
        }));
    runtime.Add(std::make_unique<service::FunctionComponent>(
        "producer", nullptr, [this](steady_clock::time_point deadline) { producer_->Close(Remaining(deadline)); }));
    runtime.Add(std::make_unique<service::FunctionComponent>(
        "consumer", [this] { runner_->Start(); },
        [this](steady_clock::time_point deadline) { runner_->Stop(Remaining(deadline)); }));
    runtime.Add(*maintenance_);
    heartbeat_ = std::make_unique<kafka::Heartbeat>(
        *producer_, kafka::HeartbeatOptions{std::string(kName), runtime.InstanceId(), settings_.heartbeat_interval},
        [this] { return CollectHeartbeat(); }, runtime.Registry());
    runtime.Add(std::make_unique<service::FunctionComponent>(
        "heartbeat", [this] { heartbeat_->Start(); }, [this](steady_clock::time_point) { heartbeat_->Stop(); }));
}

AuditService::~AuditService() = default;

kafka::HeartbeatSnapshot AuditService::CollectHeartbeat() {
    HeartbeatNumbers numbers;
    numbers.consumer_ready = !runner_->Enabled() || runner_->Ready();
    const kafka::LagSnapshot lag = runner_->Lag();
    numbers.lag_known = lag.known;
    numbers.consumer_lag = lag.total;
    numbers.rows_stored = metrics_.Stored();
    numbers.duplicates = metrics_.Duplicates();
    numbers.invalid_rows = metrics_.Invalid();
    const std::uint64_t errors = metrics_.StoreErrors();
    numbers.store_errors_since_last = errors - store_errors_at_last_heartbeat_;
    store_errors_at_last_heartbeat_ = errors;
    numbers.partitions = store_->Heads().size();
    numbers.chain_verified = metrics_.ChainVerified();
    return ToHeartbeat(numbers);
}

}  // namespace cosmic::audit
