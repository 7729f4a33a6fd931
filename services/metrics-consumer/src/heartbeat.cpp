#include "cosmic/metrics_consumer/heartbeat.hpp"

#include <string>

#include "cosmic/schema/writer.hpp"

namespace cosmic::metrics {

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, std::int64_t degraded_lag) {
    if (!numbers.consumer_ready) return schema::HealthStatus::kDegraded;
    if (numbers.lag_known && numbers.consumer_lag >= degraded_lag) return schema::HealthStatus::kDegraded;
    return schema::HealthStatus::kHealthy;
}

kafka::HeartbeatSnapshot ToHeartbeat(const HeartbeatNumbers& numbers, std::int64_t degraded_lag) {
    std::string metrics;
    schema::JsonWriter writer(metrics);
    writer.BeginObject();
    writer.Key("consumer_ready").Bool(numbers.consumer_ready);
    writer.Key("consumer_lag");
    if (numbers.lag_known) {
        writer.Int(numbers.consumer_lag);
    } else {
        writer.Null();
    }
    writer.Key("processed_per_second").Double(numbers.processed_per_second);
    writer.Key("samples_per_second").Double(numbers.samples_per_second);
    writer.Key("jobs_tracked").Uint(numbers.jobs_tracked);
    writer.Key("max_jobs").Uint(numbers.max_jobs);
    writer.Key("samples_total").Uint(numbers.samples_total);
    writer.Key("duplicates_total").Uint(numbers.duplicates_total);
    writer.Key("invalid_total").Uint(numbers.invalid_total);
    writer.Key("evicted_lru_total").Uint(numbers.evicted_lru_total);
    writer.Key("evicted_ttl_total").Uint(numbers.evicted_ttl_total);
    writer.Key("websocket_connections").Uint(numbers.websocket_connections);
    writer.EndObject();
    return {HeartbeatStatus(numbers, degraded_lag), std::move(metrics)};
}

}  // namespace cosmic::metrics
