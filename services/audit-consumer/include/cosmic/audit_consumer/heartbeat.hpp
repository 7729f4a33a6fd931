#pragma once
/// The audit-consumer's health.heartbeat to system-health: its key numbers and HEALTHY or
/// DEGRADED (consumer without assignment, last verification failed, or recent store errors).

#include <cstdint>

#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::audit {

struct HeartbeatNumbers {
    bool consumer_ready = false;  ///< group assignment received (or Kafka disabled)
    bool lag_known = false;
    std::int64_t consumer_lag = 0;
    std::uint64_t rows_stored = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t invalid_rows = 0;
    std::uint64_t store_errors_since_last = 0;  ///< failed batch writes since the previous heartbeat
    std::uint64_t partitions = 0;               ///< chains the store tracks
    int chain_verified = -1;                    ///< -1 not verified yet, 1 ok, 0 failed
};

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers);

/// The status and metrics object of one heartbeat (kafka::Heartbeat adds the envelope).
kafka::HeartbeatSnapshot ToHeartbeat(const HeartbeatNumbers& numbers);

}  // namespace cosmic::audit
