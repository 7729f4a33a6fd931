#include "cosmic/metrics_consumer/metrics_service.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "cosmic/service/component.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::metrics {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

prometheus::Counter& Counter(prometheus::Registry& registry, const std::string& name, const std::string& help,
                             const prometheus::Labels& labels = {}) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add(labels);
}

AggregatorMetrics MakeAggregatorMetrics(prometheus::Registry& registry) {
    const std::string evicted = "cosmic_metrics_jobs_evicted_total";
    const std::string evicted_help = "Jobs dropped from the metrics table, by reason (lru = max_jobs, ttl = expired).";
    return AggregatorMetrics{
        &Counter(registry, "cosmic_metrics_duplicate_samples_total",
                 "job.metrics samples ignored because their event_id was seen within the dedupe window."),
        &Counter(registry, evicted, evicted_help, {{"reason", "lru"}}),
        &Counter(registry, evicted, evicted_help, {{"reason", "ttl"}}),
    };
}

StreamMetrics MakeStreamMetrics(prometheus::Registry& registry) {
    const std::string updates = "cosmic_metrics_ws_updates_total";
    const std::string updates_help =
        "WebSocket job updates: sent, or skipped because a connection exceeded ws.max_updates_per_flush.";
    return StreamMetrics{
        &Counter(registry, updates, updates_help, {{"result", "sent"}}),
        &Counter(registry, updates, updates_help, {{"result", "skipped"}}),
        &Counter(registry, "cosmic_metrics_ws_send_failures_total",
                 "WebSocket frames not queued because the connection was gone or its queue full (client dropped)."),
    };
}

milliseconds Remaining(steady_clock::time_point deadline) {
    return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
}

}  // namespace

void MetricsService::DeclareConfig(service::ConfigSchema& schema) { DeclareMetricsConfig(schema); }

MetricsService::MetricsService(service::Runtime& runtime)
    : runtime_(runtime),
      config_(ReadMetricsConfig(runtime.GetConfig())),
      aggregator_(config_.aggregator, MakeAggregatorMetrics(*runtime.Registry())) {
    // First, so a missing tokens file fails startup before any Kafka client exists.
    const std::shared_ptr<const service::Authenticator> authenticator = runtime.Auth();
    prometheus::Registry& registry = *runtime.Registry();
    handler_ = std::make_unique<SampleHandler>(
        aggregator_, &Counter(registry, "cosmic_metrics_invalid_samples_total",
                              "job.metrics samples dead-lettered by the service's own rules (never aggregated)."));
    jobs_gauge_ = &prometheus::BuildGauge()
                       .Name("cosmic_metrics_jobs_tracked")
                       .Help("Jobs currently aggregated (bounded by metrics.max_jobs).")
                       .Register(registry)
                       .Add({});

    kafka::ProducerOptions producer_options;
    producer_options.client_id = runtime.InstanceId() + "-heartbeat";
    producer_ = std::make_unique<kafka::Producer>(runtime.Kafka(), producer_options, runtime.Registry());

    kafka::RunnerOptions runner_options;
    runner_options.group_id = config_.group_id;
    runner_options.topics = {std::string(schema::Spec(schema::TopicId::kJobMetrics).name)};
    runner_options.client = runtime.Kafka();
    runner_options.client_id = runtime.InstanceId();
    runner_options.shutdown_deadline = config_.shutdown_deadline;
    runner_ = std::make_unique<kafka::Runner>(std::move(runner_options), runtime.Registry());
    runner_->On("job.metrics", [this](const schema::Event& event, const kafka::Delivery&) { return Handle(event); });

    stream_ = std::make_unique<MetricsStream>(aggregator_, authenticator, config_.stream, MakeStreamMetrics(registry));
    stream_->Attach(runtime.Http().AddWebSocket("/ws/metrics", stream_->Callbacks()));

    ApiOptions api_options;
    api_options.default_top = config_.default_top;
    api_options.max_top = config_.max_top;
    api_options.ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.ttl).count();
    api_options.group_id = config_.group_id;
    api_ = std::make_unique<MetricsApi>(
        aggregator_, samples_rate_, [this] { return runner_->Lag(); }, std::move(api_options));
    api_->Register(runtime.Http(), authenticator);

    runtime.Http().AddReadinessCheck("consumer", [this](std::string& detail) {
        if (!runner_->Enabled()) {
            detail = "kafka disabled: API only";
            return true;
        }
        const bool ready = runner_->Ready();
        detail = runner_->ReadinessDetail();
        return ready;
    });

    tasks_.Add("rates", std::chrono::seconds(1), [this] { OnSecond(); });
    tasks_.Add("clear_old_metrics", config_.sweep_interval,
               [this] { aggregator_.ClearOldMetrics(schema::NowEpochMs(), config_.ttl); });
    heartbeat_ = std::make_unique<kafka::Heartbeat>(
        *producer_,
        kafka::HeartbeatOptions{std::string(kServiceName), runtime.InstanceId(), config_.heartbeat_interval},
        [this] { return CollectHeartbeat(); }, runtime.Registry());

    runtime.Emplace<service::FunctionComponent>(
        "heartbeat-producer", nullptr,
        [this](steady_clock::time_point deadline) { producer_->Close(Remaining(deadline)); });
    runtime.Emplace<service::FunctionComponent>(
        "timers", [this] { tasks_.Start(); }, [this](steady_clock::time_point) { tasks_.Stop(); });
    runtime.Emplace<service::FunctionComponent>(
        "heartbeat", [this] { heartbeat_->Start(); }, [this](steady_clock::time_point) { heartbeat_->Stop(); });
    runtime.Emplace<service::FunctionComponent>(
        "websocket-flusher", [this] { stream_->Start(); }, [this](steady_clock::time_point) { stream_->Stop(); });
    runtime.Emplace<service::FunctionComponent>(
        "consumer", [this] { runner_->Start(); },
        [this](steady_clock::time_point deadline) {
            if (!runner_->Stop(Remaining(deadline))) spdlog::warn("consumer did not stop within the deadline");
        });
}

MetricsService::~MetricsService() = default;

kafka::Outcome MetricsService::Handle(const schema::Event& event) { return handler_->Handle(event); }

HeartbeatNumbers MetricsService::Numbers() const {
    HeartbeatNumbers numbers;
    const AggregatorTotals totals = aggregator_.Totals();
    const kafka::LagSnapshot lag = runner_->Lag();
    numbers.consumer_ready = !runner_->Enabled() || runner_->Ready();
    numbers.lag_known = lag.known;
    numbers.consumer_lag = lag.total;
    numbers.processed_per_second = processed_rate_.PerSecond();
    numbers.samples_per_second = samples_rate_.PerSecond();
    numbers.jobs_tracked = totals.jobs;
    numbers.max_jobs = totals.max_jobs;
    numbers.samples_total = totals.samples;
    numbers.duplicates_total = totals.duplicates;
    numbers.invalid_total = handler_->Invalid();
    numbers.evicted_lru_total = totals.evicted_lru;
    numbers.evicted_ttl_total = totals.evicted_ttl;
    numbers.websocket_connections = stream_->Connections();
    return numbers;
}

void MetricsService::OnSecond() {
    const std::int64_t now = schema::NowEpochMs();
    const AggregatorTotals totals = aggregator_.Totals();
    samples_rate_.Record(now, totals.samples);
    processed_rate_.Record(now, handler_->Processed());
    jobs_gauge_->Set(static_cast<double>(totals.jobs));
}

kafka::HeartbeatSnapshot MetricsService::CollectHeartbeat() const {
    return ToHeartbeat(Numbers(), config_.degraded_lag);
}

}  // namespace cosmic::metrics
