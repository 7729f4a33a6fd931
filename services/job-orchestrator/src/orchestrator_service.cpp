#include "cosmic/job_orchestrator/orchestrator_service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <utility>

#include "cosmic/schema/topics.hpp"
#include "cosmic/service/component.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::orchestrator {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::size_t kRecoveryPage = 500;

SqliteStoreOptions PrepareStore(SqliteStoreOptions options, schema::EpochClock clock) {
    options.clock = std::move(clock);
    const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return options;
}

JobStore& OpenStore(service::Kit& kit, const OrchestratorConfig& config) {
    if (config.postgres) {
        PgStoreOptions options = config.pg_store;
        options.clock = kit.Clock();
        options.instance_id = kit.InstanceId();
        PgJobStore& store = kit.Store<PgJobStore>("store", std::move(options));
        spdlog::info("job store on PostgreSQL at {} (outbox claims as {})", store.Description(), store.Owner());
        return store;
    }
    SqliteJobStore& store = kit.Store<SqliteJobStore>("store", PrepareStore(config.store, kit.Clock()));
    spdlog::info("job store open at {}", store.Path());
    return store;
}

}  // namespace

void OrchestratorService::DeclareConfig(service::ConfigSchema& schema) { DeclareOrchestratorConfig(schema); }

OrchestratorService::OrchestratorService(service::Kit& kit)
    : kit_(kit),
      config_(ReadOrchestratorConfig(kit.GetConfig())),
      metrics_(*kit.Registry()),
      store_(OpenStore(kit, config_)),
      producer_(kit.Producer([this](kafka::ProducerOptions& options) {
          options.linger = config_.linger;
          options.delivery_timeout = config_.delivery_timeout;
          options.max_queued_messages =
              static_cast<int>(std::max<std::size_t>(100'000, config_.relay.max_in_flight * 2));
      })) {
    RelayOptions relay = config_.relay;
    relay.clock = kit.Clock();
    relay_ = std::make_unique<OutboxRelay>(store_, producer_, relay, metrics_.Relay());

    JobServiceHooks hooks;
    hooks.outbox_written = [this] { relay_->Notify(); };
    hooks.job_queued = [this] {
        if (executor_) executor_->Notify();
    };
    hooks.transition = [this](const Job& job, std::optional<JobState> from, JobState to) {
        metrics_.Transition(from, to);
        // A simulated job that left running another way (cancel, external report) frees its slot.
        if (executor_ && from == JobState::kRunning && job.executor == kSimulatedExecutor) {
            executor_->Forget(job.job_id);
        }
    };
    jobs_ = std::make_unique<JobService>(store_, std::move(hooks), std::string(kit.Service()), kit.Clock());
    if (config_.executor_enabled) {
        SimExecutorOptions executor = config_.executor;
        executor.clock = kit.Clock();
        executor_ = std::make_unique<SimExecutor>(*jobs_, executor, metrics_.SimulatedSamples());
    }
    commands_ = std::make_unique<CommandHandler>(*jobs_);

    api_ = std::make_unique<JobsApi>(*jobs_, config_.api);
    api_->Register(kit.Http(), kit.Auth());

    if (config_.consume_commands) {
        // Reported, not gating: the API must stay in rotation while Kafka is unreachable (jobs are
        // accepted into the outbox and published later), so a missing assignment never fails /readyz.
        service::ConsumeOptions consume;
        consume.readiness = service::ConsumerReadiness::kReported;
        runner_ = &kit.Consume({"job-commands"}, std::move(consume));
        runner_->On("command.*", [this](const schema::Event& event, const kafka::Delivery& from) {
            return commands_->Handle(event, from);
        });
    }

    if (config_.relay_enabled) {
        kit.Add(
            "outbox-relay", [this] { relay_->Start(); },
            [this](std::chrono::steady_clock::time_point deadline) { relay_->Stop(deadline); });
    } else {
        spdlog::warn("outbox relay disabled (outbox.relay_enabled=false): events stay pending in the outbox");
    }
    kit.Add(
        "recovery",
        [this] {
            QueueStranded();
            RefreshStats();
        },
        nullptr);
    if (executor_) {
        kit.Add(
            "simulated-executor", [this] { executor_->Start(); }, [this](auto) { executor_->Stop(); });
    }
    kit.Every("stats", config_.stats_interval, [this] { RefreshStats(); });
    kit.Every("retention", config_.prune_interval, [this] { Prune(); });
    kit.Heartbeat([this](const service::HeartbeatCommon&, schema::JsonWriter& fields) {
        return WriteHeartbeatFields(Numbers(), HeartbeatThresholds{config_.degraded_backlog, config_.degraded_age},
                                    fields);
    });
}

void OrchestratorService::RefreshStats() {
    const OutboxStats outbox = store_.Outbox();
    const JobCounts counts = store_.CountByState();
    const std::int64_t now_ms = kit_.NowMs();
    metrics_.SetOutbox(outbox, now_ms);
    metrics_.SetJobCounts(counts);
    std::lock_guard lock(stats_mutex_);
    outbox_stats_ = outbox;
    job_counts_ = counts;
    stats_at_ms_ = now_ms;
}

PruneResult OrchestratorService::Prune() {
    const std::int64_t now_ms = kit_.NowMs();
    PruneRequest request;
    request.sent_before_ms = now_ms - config_.sent_retention.count();
    request.idempotency_before_ms = now_ms - config_.idempotency_ttl.count();
    if (config_.job_retention) request.terminal_jobs_before_ms = now_ms - config_.job_retention->count();
    const PruneResult result = store_.Prune(request);
    metrics_.Pruned(result.outbox_rows);
    if (result.outbox_rows + result.idempotency_keys + result.jobs > 0) {
        spdlog::info("retention: deleted {} sent outbox rows and {} finished jobs, forgot {} idempotency keys",
                     result.outbox_rows, result.jobs, result.idempotency_keys);
    }
    return result;
}

std::size_t OrchestratorService::QueueStranded() {
    std::size_t queued = 0;
    std::int64_t after = 0;
    for (;;) {
        const std::vector<Job> page = store_.ListInState(JobState::kSubmitted, after, kRecoveryPage);
        for (const Job& job : page) {
            after = job.position;
            const RequestContext context =
                MakeContext(Actor{ActorKind::kSystem, "", false}, job.correlation_id, job.traceparent);
            if (jobs_->Queue(job.job_id, context)) ++queued;
        }
        if (page.size() < kRecoveryPage) break;
    }
    if (queued > 0) spdlog::info("recovery: queued {} jobs left submitted by an earlier run", queued);
    return queued;
}

HeartbeatNumbers OrchestratorService::Numbers() const {
    HeartbeatNumbers numbers;
    {
        std::lock_guard lock(stats_mutex_);
        numbers.outbox = outbox_stats_;
        numbers.jobs = job_counts_;
        numbers.now_ms = stats_at_ms_;
    }
    const RelayStats relay = relay_->Stats();
    numbers.relay_in_flight = relay.in_flight;
    numbers.relay_published = relay.published;
    numbers.relay_failed = relay.failed;
    numbers.executor_enabled = executor_ != nullptr;
    numbers.executor_running = executor_ ? executor_->Stats().running : 0;
    numbers.kafka_enabled = producer_.Enabled();
    return numbers;
}

}  // namespace cosmic::orchestrator
