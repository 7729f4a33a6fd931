#pragma once
/// The JSON shapes of the metrics API, shared by HTTP and WebSocket so both always agree.

#include <string>
#include <vector>

#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/metrics_consumer/job_snapshot.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::metrics {

/// The body of GET /api/v1/metrics/jobs/{id}:
/// {"job_id","user_id","samples","first_seen","last_seen","updated_at",
///  "cpu_percent":{"min","max","avg","last"}, "memory_mb":{..}, "io_read_mb":{..}, "io_write_mb":{..},
///  "execution_time_ms":{"min","max","avg","last","p50","p95","p99","relative_error"}}
void WriteJob(schema::JsonWriter& writer, const JobSnapshot& job);
std::string JobJson(const JobSnapshot& job);

/// The WebSocket push: {"type":"job_metrics","job":{...same as JobJson...}}.
std::string JobUpdateMessage(const JobSnapshot& job);

struct SummaryView {
    AggregatorTotals totals;
    double samples_per_second = 0;
    std::int64_t ttl_seconds = 0;
    const char* top_by = "cpu";
    bool all_users = true;  ///< false: `top` lists only the caller's jobs
    std::vector<TopEntry> top;
};

/// The body of GET /api/v1/metrics/summary.
std::string SummaryJson(const SummaryView& summary);

}  // namespace cosmic::metrics
