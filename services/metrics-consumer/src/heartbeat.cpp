#include "cosmic/metrics_consumer/heartbeat.hpp"

namespace cosmic::metrics {

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, std::int64_t degraded_lag) {
    if (numbers.lag_known && numbers.consumer_lag >= degraded_lag) return schema::HealthStatus::kDegraded;
    return schema::HealthStatus::kHealthy;
}

schema::HealthStatus WriteHeartbeatFields(const HeartbeatNumbers& numbers, std::int64_t degraded_lag,
                                          schema::JsonWriter& writer) {
    writer.Key("samples_per_second").Double(numbers.samples_per_second);
    writer.Key("jobs_tracked").Uint(numbers.jobs_tracked);
    writer.Key("max_jobs").Uint(numbers.max_jobs);
    writer.Key("samples_total").Uint(numbers.samples_total);
    writer.Key("duplicates_total").Uint(numbers.duplicates_total);
    writer.Key("evicted_lru_total").Uint(numbers.evicted_lru_total);
    writer.Key("evicted_ttl_total").Uint(numbers.evicted_ttl_total);
    writer.Key("websocket_connections").Uint(numbers.websocket_connections);
    return HeartbeatStatus(numbers, degraded_lag);
}

}  // namespace cosmic::metrics
