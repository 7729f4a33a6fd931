#pragma once
/// The metrics-consumer's health.heartbeat to system-health: its key numbers, including its
/// own consumer lag and processed/s, and HEALTHY or DEGRADED.

#include <cstddef>
#include <cstdint>

#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::metrics {

struct HeartbeatNumbers {
    bool consumer_ready = false;  ///< group assignment received (or Kafka disabled)
    bool lag_known = false;
    std::int64_t consumer_lag = 0;    ///< messages behind on the assigned partitions
    double processed_per_second = 0;  ///< records handled (aggregated, duplicate or invalid)
    double samples_per_second = 0;    ///< samples aggregated
    std::size_t jobs_tracked = 0;
    std::size_t max_jobs = 0;
    std::uint64_t samples_total = 0;
    std::uint64_t duplicates_total = 0;
    std::uint64_t invalid_total = 0;
    std::uint64_t evicted_lru_total = 0;
    std::uint64_t evicted_ttl_total = 0;
    std::size_t websocket_connections = 0;
};

/// DEGRADED when the consumer has no assignment or its lag reached `degraded_lag`.
schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, std::int64_t degraded_lag);

/// The status and metrics object of one heartbeat (kafka::Heartbeat adds the envelope).
kafka::HeartbeatSnapshot ToHeartbeat(const HeartbeatNumbers& numbers, std::int64_t degraded_lag);

}  // namespace cosmic::metrics
