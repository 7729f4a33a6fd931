#include "cosmic/metrics_consumer/metrics_service.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

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

}  // namespace

void MetricsService::DeclareConfig(service::ConfigSchema& schema) { DeclareMetricsConfig(schema); }

MetricsService::MetricsService(service::Kit& kit)
    : kit_(kit),
      config_(ReadMetricsConfig(kit.GetConfig())),
      aggregator_(config_.aggregator, MakeAggregatorMetrics(*kit.Registry())),
      jobs_gauge_(prometheus::BuildGauge()
                      .Name("cosmic_metrics_jobs_tracked")
                      .Help("Jobs currently aggregated (bounded by metrics.max_jobs).")
                      .Register(*kit.Registry())
                      .Add({})),
      // kit.Auth() first, so a missing tokens file fails startup before any Kafka client exists.
      stream_(aggregator_, kit.Auth(), config_.stream, MakeStreamMetrics(*kit.Registry())) {
    kafka::Runner& runner = kit.Consume({"job-metrics"});
    runner.On("job.metrics",
              [this](const schema::Event& event, const kafka::Delivery&) { return Aggregate(aggregator_, event); });

    stream_.Attach(kit.Http().AddWebSocket("/ws/metrics", stream_.Callbacks()));
    ApiOptions api_options;
    api_options.default_top = config_.default_top;
    api_options.max_top = config_.max_top;
    api_options.ttl_seconds = std::chrono::duration_cast<std::chrono::seconds>(config_.ttl).count();
    api_options.group_id = runner.GroupId();
    api_ = std::make_unique<MetricsApi>(
        aggregator_, samples_rate_, [&runner] { return runner.Lag(); }, std::move(api_options));
    api_->Register(kit.Http(), kit.Auth());

    kit.Every("rates", std::chrono::seconds(1), [this] { OnSecond(); });
    kit.Every("clear_old_metrics", config_.sweep_interval,
              [this] { aggregator_.ClearOldMetrics(kit_.NowMs(), config_.ttl); });
    kit.Every("websocket-flush", config_.stream.throttle, [this] { stream_.FlushOnce(); });
    kit.Heartbeat([this](const service::HeartbeatCommon& common, schema::JsonWriter& fields) {
        return WriteHeartbeatFields(Numbers(common), config_.degraded_lag, fields);
    });
}

HeartbeatNumbers MetricsService::Numbers(const service::HeartbeatCommon& common) const {
    HeartbeatNumbers numbers;
    const AggregatorTotals totals = aggregator_.Totals();
    numbers.lag_known = common.lag_known;
    numbers.consumer_lag = common.consumer_lag;
    numbers.samples_per_second = samples_rate_.PerSecond();
    numbers.jobs_tracked = totals.jobs;
    numbers.max_jobs = totals.max_jobs;
    numbers.samples_total = totals.samples;
    numbers.duplicates_total = totals.duplicates;
    numbers.evicted_lru_total = totals.evicted_lru;
    numbers.evicted_ttl_total = totals.evicted_ttl;
    numbers.websocket_connections = stream_.Connections();
    return numbers;
}

void MetricsService::OnSecond() {
    const AggregatorTotals totals = aggregator_.Totals();
    samples_rate_.Record(kit_.NowMs(), totals.samples);
    jobs_gauge_.Set(static_cast<double>(totals.jobs));
}

}  // namespace cosmic::metrics
