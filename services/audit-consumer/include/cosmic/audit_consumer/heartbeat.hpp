#pragma once
/// The audit-consumer's own heartbeat fields (the kit adds the common ones: consumer readiness,
/// lag, handled / failed / dead-lettered counts) and its status: DEGRADED when the last
/// verification failed or batch writes failed since the previous heartbeat.

#include <cstdint>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::audit {

struct HeartbeatNumbers {
    std::uint64_t rows_stored = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t invalid_rows = 0;
    std::uint64_t store_errors_since_last = 0;  ///< failed batch writes since the previous heartbeat
    std::uint64_t partitions = 0;               ///< chains the store tracks
    int chain_verified = -1;                    ///< -1 not verified yet, 1 ok, 0 failed
};

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers);

/// Writes the numbers into the heartbeat's (open) metrics object; returns the status.
schema::HealthStatus WriteHeartbeatFields(const HeartbeatNumbers& numbers, schema::JsonWriter& w);

}  // namespace cosmic::audit
