#pragma once
/// The metrics-consumer's own configuration keys (beside the common ones) and their values.

#include <chrono>
#include <cstdint>
#include <string>

#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/metrics_consumer/metrics_stream.hpp"
#include "cosmic/service/config.hpp"

namespace cosmic::metrics {

inline constexpr std::int64_t kDefaultHttpPort = 8082;

struct MetricsConfig {
    std::string group_id = "metrics-consumer-group";
    AggregatorOptions aggregator;
    std::chrono::milliseconds ttl{std::chrono::hours(1)};
    std::chrono::milliseconds sweep_interval{std::chrono::seconds(10)};
    StreamOptions stream;
    std::size_t default_top = 10;
    std::size_t max_top = 100;
    std::int64_t degraded_lag = 100'000;
};

/// Declares the service's keys with defaults and docs and sets http.port's default to 8082;
/// the common and kit keys must already be declared.
void DeclareMetricsConfig(service::ConfigSchema& schema);
/// Reads the declared keys from a loaded config.
MetricsConfig ReadMetricsConfig(const service::Config& config);

}  // namespace cosmic::metrics
