#pragma once
/// The standard process_* metrics (Prometheus client conventions), refreshed on each scrape.

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <mutex>

namespace cosmic::telemetry::detail {

class ProcessMetrics {
  public:
    explicit ProcessMetrics(prometheus::Registry& registry);
    /// Reads /proc and getrusage; called before serialising /metrics.
    void Update();

  private:
    std::mutex mutex_;
    prometheus::Gauge& resident_memory_;
    prometheus::Gauge& virtual_memory_;
    prometheus::Gauge& start_time_;
    prometheus::Gauge& open_fds_;
    prometheus::Gauge& max_fds_;
    prometheus::Gauge& threads_;
    prometheus::Counter& cpu_seconds_;
};

}  // namespace cosmic::telemetry::detail
