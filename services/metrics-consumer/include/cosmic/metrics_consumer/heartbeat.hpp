#pragma once
/// The metrics-consumer's own heartbeat fields (the kit adds the common ones: readiness, lag,
/// handled / failed / dead-lettered counts, processed/s) and its status: DEGRADED when its
/// consumer lag reached heartbeat.degraded_lag.

#include <cstddef>
#include <cstdint>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::metrics {

struct HeartbeatNumbers {
    bool lag_known = false;
    std::int64_t consumer_lag = 0;  ///< messages behind on the assigned partitions
    double samples_per_second = 0;  ///< samples aggregated
    std::size_t jobs_tracked = 0;
    std::size_t max_jobs = 0;
    std::uint64_t samples_total = 0;
    std::uint64_t duplicates_total = 0;
    std::uint64_t evicted_lru_total = 0;
    std::uint64_t evicted_ttl_total = 0;
    std::size_t websocket_connections = 0;
};

/// DEGRADED when the consumer lag reached `degraded_lag`.
schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, std::int64_t degraded_lag);

/// Writes the numbers into the heartbeat's (open) metrics object; returns the status.
schema::HealthStatus WriteHeartbeatFields(const HeartbeatNumbers& numbers, std::int64_t degraded_lag,
                                          schema::JsonWriter& writer);

}  // namespace cosmic::metrics
