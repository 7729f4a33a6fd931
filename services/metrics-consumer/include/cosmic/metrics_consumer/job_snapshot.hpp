#pragma once
/// Copies of aggregated state handed out of the job table (API, WebSocket, heartbeat), so no
/// reader holds a shard lock while serializing.

#include <cstdint>
#include <string>

#include "cosmic/metrics_consumer/running_stats.hpp"

namespace cosmic::metrics {

struct JobSnapshot {
    std::string job_id;
    std::string user_id;  ///< user of the job's latest sample
    std::uint64_t samples = 0;
    std::int64_t first_seen_ms = 0;  ///< earliest sample occurred_at
    std::int64_t last_seen_ms = 0;   ///< latest sample occurred_at
    std::int64_t updated_ms = 0;     ///< when this consumer last aggregated a sample (TTL basis)
    FieldStats cpu_percent;
    FieldStats memory_mb;
    FieldStats io_read_mb;
    FieldStats io_write_mb;
    FieldStats execution_time_ms;
    double execution_p50_ms = 0;
    double execution_p95_ms = 0;
    double execution_p99_ms = 0;
};

/// What the summary ranks jobs by.
enum class TopBy : std::uint8_t {
    kCpu,     ///< average cpu_percent
    kMemory,  ///< peak memory_mb
};

struct TopEntry {
    std::string job_id;
    std::string user_id;
    std::uint64_t samples = 0;
    double cpu_avg = 0;
    double memory_max = 0;
    double value = 0;  ///< the ranking value (cpu_avg or memory_max)
};

}  // namespace cosmic::metrics
