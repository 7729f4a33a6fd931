#pragma once
/// metrics-consumer: consumes job-metrics (group metrics-consumer-group), aggregates samples per
/// job in memory, serves them over HTTP and WebSocket, and heartbeats to system-health.
/// Assembled by the service kit: the consumer, three timers (rates, clear_old_metrics, WebSocket
/// flush), the API and the heartbeat fields.

#include <memory>

#include "cosmic/kafka/outcome.hpp"
#include "cosmic/metrics_consumer/heartbeat.hpp"
#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/metrics_consumer/metrics_api.hpp"
#include "cosmic/metrics_consumer/metrics_config.hpp"
#include "cosmic/metrics_consumer/metrics_stream.hpp"
#include "cosmic/metrics_consumer/rate_meter.hpp"
#include "cosmic/service/kit.hpp"

namespace prometheus {
class Gauge;
}  // namespace prometheus

namespace cosmic::metrics {

class MetricsService {
  public:
    /// The service's keys (see metrics_config.hpp).
    static void DeclareConfig(service::ConfigSchema& schema);

    explicit MetricsService(service::Kit& kit);
    MetricsService(const MetricsService&) = delete;
    MetricsService& operator=(const MetricsService&) = delete;

    /// What the consumer does with one job.metrics event (also the benchmark's handler): the
    /// parser already validated it against the schema's rules (required fields, finite
    /// non-negative measures), so it is aggregated with its receive time. A duplicate (same
    /// event_id within the dedupe window) is counted by the aggregator and is still kOk.
    static kafka::Outcome Aggregate(JobAggregator& aggregator, const schema::Event& event) {
        aggregator.Add(event, CoarseNowMs());
        return kafka::Outcome::Ok();
    }

    JobAggregator& Aggregator() noexcept { return aggregator_; }
    const MetricsStream& Stream() const noexcept { return stream_; }
    /// The service's own heartbeat numbers, now; the lag comes from the kit's `common` numbers.
    HeartbeatNumbers Numbers(const service::HeartbeatCommon& common) const;

  private:
    void OnSecond();

    service::Kit& kit_;
    MetricsConfig config_;
    JobAggregator aggregator_;
    prometheus::Gauge& jobs_gauge_;
    RateMeter samples_rate_;
    MetricsStream stream_;
    std::unique_ptr<MetricsApi> api_;
};

}  // namespace cosmic::metrics
