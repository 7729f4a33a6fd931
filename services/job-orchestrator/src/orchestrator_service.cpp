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

milliseconds Remaining(steady_clock::time_point deadline) {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
}

SqliteStoreOptions PrepareStore(SqliteStoreOptions options) {
    const std::filesystem::path parent = std::filesystem::path(options.path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return options;
}

}  // namespace

void OrchestratorService::DeclareConfig(service::ConfigSchema& schema) { DeclareOrchestratorConfig(schema); }

OrchestratorService::OrchestratorService(service::Runtime& runtime)
    : runtime_(runtime),
      config_(ReadOrchestratorConfig(runtime.GetConfig())),
      metrics_(*runtime.Registry()),
      maintenance_("orchestrator-maintenance") {
    store_ = std::make_unique<SqliteJobStore>(PrepareStore(config_.store));
    spdlog::info("job store open at {}", store_->Path());

    kafka::ProducerOptions producer_options;
    producer_options.client_id = runtime.InstanceId() + "-outbox";
    producer_options.linger = config_.linger;
    producer_options.delivery_timeout = config_.delivery_timeout;
    producer_options.max_queued_messages =
        static_cast<int>(std::max<std::size_t>(100'000, config_.relay.max_in_flight * 2));
    producer_options.flush_timeout = config_.shutdown_deadline;
    producer_ = std::make_unique<kafka::Producer>(runtime.Kafka(), producer_options, runtime.Registry());
    relay_ = std::make_unique<OutboxRelay>(*store_, *producer_, config_.relay, metrics_.Relay());

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
    jobs_ = std::make_unique<JobService>(*store_, std::move(hooks), std::string(kServiceName));
    if (config_.executor_enabled) {
        executor_ = std::make_unique<SimExecutor>(*jobs_, config_.executor, metrics_.SimulatedSamples());
    }
    commands_ = std::make_unique<CommandHandler>(*jobs_);

    if (config_.consume_commands) {
        kafka::RunnerOptions runner_options;
        runner_options.group_id = config_.group_id;
        runner_options.topics = {std::string(schema::Spec(schema::TopicId::kJobCommands).name)};
        runner_options.client = runtime.Kafka();
        runner_options.client_id = runtime.InstanceId();
        runner_options.shutdown_deadline = config_.shutdown_deadline;
        runner_ = std::make_unique<kafka::Runner>(std::move(runner_options), runtime.Registry());
        runner_->On("command.*", [this](const schema::Event& event, const kafka::Delivery& from) {
            return commands_->Handle(event, from);
        });
    }

    api_ = std::make_unique<JobsApi>(*jobs_, config_.api);
    api_->Register(runtime.Http(), runtime.Auth());

    runtime.Http().AddReadinessCheck("store", [this](std::string& detail) {
        try {
            store_->Outbox();
            detail = "open";
            return true;
        } catch (const std::exception& error) {
            detail = error.what();
            return false;
        }
    });
    runtime.Http().AddReadinessCheck("consumer", [this](std::string& detail) {
        if (!runner_) {
            detail = "job-commands consumer disabled";
            return true;
        }
        if (!runner_->Enabled()) {
            detail = "kafka disabled: API only, events are not published";
            return true;
        }
        // Reported, not gating: the API must stay in rotation while Kafka is unreachable (jobs are
        // accepted into the outbox and published later), so a missing assignment never fails /readyz.
        detail = runner_->ReadinessDetail();
        if (!runner_->Ready()) {
            detail += " (the API works without it)";
        }
        return true;
    });

    maintenance_.Every(config_.stats_interval, [this] { RefreshStats(); });
    maintenance_.Every(config_.prune_interval, [this] { Prune(); });
    heartbeat_ = std::make_unique<kafka::Heartbeat>(
        *producer_,
        kafka::HeartbeatOptions{std::string(kServiceName), runtime.InstanceId(), config_.heartbeat_interval},
        [this] { return CollectHeartbeat(); }, runtime.Registry());

    runtime.Emplace<service::FunctionComponent>(
        "producer", nullptr, [this](steady_clock::time_point deadline) { producer_->Close(Remaining(deadline)); });
    if (config_.relay_enabled) {
        runtime.Emplace<service::FunctionComponent>(
            "outbox-relay", [this] { relay_->Start(); },
            [this](steady_clock::time_point deadline) { relay_->Stop(deadline); });
    } else {
        spdlog::warn("outbox relay disabled (outbox.relay_enabled=false): events stay pending in the outbox");
    }
    runtime.Emplace<service::FunctionComponent>(
        "recovery", [this] { QueueStranded(); }, nullptr);
    if (executor_) {
        runtime.Emplace<service::FunctionComponent>(
            "simulated-executor", [this] { executor_->Start(); },
            [this](steady_clock::time_point) { executor_->Stop(); });
    }
    runtime.Emplace<service::FunctionComponent>(
        "maintenance",
        [this] {
            RefreshStats();
            maintenance_.Start();
        },
        [this](steady_clock::time_point) { maintenance_.Stop(); });
    runtime.Emplace<service::FunctionComponent>(
        "heartbeat", [this] { heartbeat_->Start(); }, [this](steady_clock::time_point) { heartbeat_->Stop(); });
    if (runner_) {
        runtime.Emplace<service::FunctionComponent>(
            "consumer", [this] { runner_->Start(); },
            [this](steady_clock::time_point deadline) {
                if (!runner_->Stop(Remaining(deadline))) spdlog::warn("consumer did not stop within the deadline");
            });
    }
}

OrchestratorService::~OrchestratorService() {
    // Threads that call back into members stop before the members go away.
    maintenance_.Stop();
    if (runner_) runner_->Stop(milliseconds(0));
    if (executor_) executor_->Stop();
    relay_->Stop(steady_clock::now());
}

void OrchestratorService::RefreshStats() {
    const OutboxStats outbox = store_->Outbox();
    const JobCounts counts = store_->CountByState();
    const std::int64_t now_ms = schema::NowEpochMs();
    metrics_.SetOutbox(outbox, now_ms);
    metrics_.SetJobCounts(counts);
    std::lock_guard lock(stats_mutex_);
    outbox_stats_ = outbox;
    job_counts_ = counts;
    stats_at_ms_ = now_ms;
}

PruneResult OrchestratorService::Prune() {
    const std::int64_t now_ms = schema::NowEpochMs();
    PruneRequest request;
    request.sent_before_ms = now_ms - config_.sent_retention.count();
    request.idempotency_before_ms = now_ms - config_.idempotency_ttl.count();
    if (config_.job_retention) request.terminal_jobs_before_ms = now_ms - config_.job_retention->count();
    const PruneResult result = store_->Prune(request);
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
        const std::vector<Job> page = store_->ListInState(JobState::kSubmitted, after, kRecoveryPage);
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
    numbers.consumer_ready = !runner_ || !runner_->Enabled() || runner_->Ready();
    numbers.kafka_enabled = producer_->Enabled();
    return numbers;
}

kafka::HeartbeatSnapshot OrchestratorService::CollectHeartbeat() const {
    return ToHeartbeat(Numbers(), HeartbeatThresholds{config_.degraded_backlog, config_.degraded_age});
}

}  // namespace cosmic::orchestrator
