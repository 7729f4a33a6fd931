#pragma once
/// metrics-consumer: consumes job-metrics (group metrics-consumer-group), aggregates samples per
/// job in memory, serves them over HTTP and WebSocket, and heartbeats to system-health.
///
/// Components (started in this order, stopped in reverse): heartbeat producer, timers (TTL
/// sweep, rates, heartbeat), WebSocket flusher, consumer runner; the runtime starts HTTP last.

#include <cstdint>
#include <memory>
#include <string_view>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/service/config.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/metrics_consumer/heartbeat.hpp"
#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/metrics_consumer/metrics_api.hpp"
#include "cosmic/metrics_consumer/metrics_config.hpp"
#include "cosmic/metrics_consumer/metrics_stream.hpp"
#include "cosmic/metrics_consumer/periodic_tasks.hpp"
#include "cosmic/metrics_consumer/rate_meter.hpp"
#include "cosmic/metrics_consumer/sample_handler.hpp"

namespace prometheus {
class Gauge;
}  // namespace prometheus

namespace cosmic::metrics {

class MetricsService {
  public:
    static constexpr std::string_view kServiceName = "metrics-consumer";

    /// The service's keys (see metrics_config.hpp); RunMain declares the common ones first.
    static void DeclareConfig(service::ConfigSchema& schema);

    /// Builds everything and adds it to `runtime`; nothing runs until runtime.Run().
    explicit MetricsService(service::Runtime& runtime);
    ~MetricsService();
    MetricsService(const MetricsService&) = delete;
    MetricsService& operator=(const MetricsService&) = delete;

    /// What the handler does with one job.metrics event (also used by the benchmark).
    kafka::Outcome Handle(const schema::Event& event);

    JobAggregator& Aggregator() noexcept { return aggregator_; }
    const MetricsStream& Stream() const noexcept { return *stream_; }
    /// The numbers the heartbeat carries, now.
    HeartbeatNumbers Numbers() const;

  private:
    void OnSecond();
    /// The heartbeat snapshot now (runs on the heartbeat thread).
    kafka::HeartbeatSnapshot CollectHeartbeat() const;

    service::Runtime& runtime_;
    MetricsConfig config_;
    prometheus::Gauge* jobs_gauge_ = nullptr;
    JobAggregator aggregator_;
    RateMeter samples_rate_;
    RateMeter processed_rate_;
    std::unique_ptr<SampleHandler> handler_;
    std::unique_ptr<kafka::Producer> producer_;
    std::unique_ptr<kafka::Runner> runner_;
    std::unique_ptr<MetricsStream> stream_;
    std::unique_ptr<MetricsApi> api_;
    PeriodicTasks tasks_;
    /// Last: destroyed first, so its thread never sees the members it reads gone.
    std::unique_ptr<kafka::Heartbeat> heartbeat_;
};

}  // namespace cosmic::metrics
