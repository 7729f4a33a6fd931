#include "cosmic/metrics_consumer/metrics_config.hpp"

namespace cosmic::metrics {

using std::chrono::milliseconds;

void DeclareMetricsConfig(service::ConfigSchema& schema) {
    schema.SetDefault("http.port", std::int64_t{kDefaultHttpPort});
    schema.SetDefault("consumer.group_id", std::string("metrics-consumer-group"));
    schema.Int("metrics.max_jobs", 100'000, 1, 10'000'000,
               "Most jobs aggregated at once; beyond it the least recently updated job is evicted (LRU).");
    schema.Duration("metrics.ttl_ms", milliseconds(3'600'000), milliseconds(0), milliseconds(30LL * 24 * 3'600'000),
                    "clear_old_metrics: a job without a sample for this long is dropped; 0 keeps jobs until LRU "
                    "eviction.");
    schema.Duration("metrics.sweep_interval_ms", milliseconds(10'000), milliseconds(100), milliseconds(3'600'000),
                    "How often clear_old_metrics runs.");
    schema.Int("metrics.dedupe_window", 100'000, 0, 10'000'000,
               "Event ids remembered to ignore duplicate samples (about 24 bytes each); 0 turns deduplication off.");
    schema.Int("metrics.shards", 16, 1, 1024, "Lock shards of the job table (by job id hash).");
    schema.Int("metrics.summary_top_default", 10, 0, 1000, "Jobs listed by GET /api/v1/metrics/summary without ?top=.");
    schema.Int("metrics.summary_top_max", 100, 1, 1000, "Largest ?top= accepted by the summary.");
    schema.Duration("ws.throttle_ms", milliseconds(1000), milliseconds(50), milliseconds(60'000),
                    "WebSocket flush interval: at most one update per job per connection per interval.");
    schema.Int("ws.max_subscriptions", 1000, 1, 100'000, "Job subscriptions one WebSocket connection may hold.");
    schema.Int("ws.max_per_user", 8, 1, 64,
               "Open /ws/metrics connections per user; one user cannot take every WebSocket slot.");
    schema.Int("ws.max_updates_per_flush", 200, 1, 100'000,
               "Job updates sent to one connection per flush; the rest are counted and reported as skipped.");
    schema.Int("heartbeat.degraded_lag", 100'000, 1, INT64_MAX,
               "Consumer lag (messages) at which the heartbeat reports DEGRADED.");
}

MetricsConfig ReadMetricsConfig(const service::Config& config) {
    MetricsConfig out;
    out.group_id = config.GetString("consumer.group_id");
    out.aggregator.max_jobs = static_cast<std::size_t>(config.GetInt("metrics.max_jobs"));
    out.aggregator.dedupe_window = static_cast<std::size_t>(config.GetInt("metrics.dedupe_window"));
    out.aggregator.shards = static_cast<std::size_t>(config.GetInt("metrics.shards"));
    out.ttl = config.GetDuration("metrics.ttl_ms");
    out.sweep_interval = config.GetDuration("metrics.sweep_interval_ms");
    out.default_top = static_cast<std::size_t>(config.GetInt("metrics.summary_top_default"));
    out.max_top = static_cast<std::size_t>(config.GetInt("metrics.summary_top_max"));
    out.stream.throttle = config.GetDuration("ws.throttle_ms");
    out.stream.max_subscriptions = static_cast<std::size_t>(config.GetInt("ws.max_subscriptions"));
    out.stream.max_updates_per_flush = static_cast<std::size_t>(config.GetInt("ws.max_updates_per_flush"));
    out.stream.max_per_user = static_cast<std::size_t>(config.GetInt("ws.max_per_user"));
    out.degraded_lag = config.GetInt("heartbeat.degraded_lag");
    if (out.default_top > out.max_top) {
        throw service::ConfigError("metrics.summary_top_default", config.SourceOf("metrics.summary_top_default"),
                                   "must not exceed metrics.summary_top_max");
    }
    return out;
}

}  // namespace cosmic::metrics
