#pragma once
/// The orchestrator's own heartbeat fields (the kit adds the common ones: readiness of the
/// job-commands consumer, lag, counts): outbox backlog and age, jobs by state, relay and executor
/// numbers; DEGRADED when the outbox backs up.

#include <chrono>
#include <cstdint>
#include <optional>

#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::orchestrator {

struct HeartbeatNumbers {
    OutboxStats outbox;
    std::int64_t now_ms = 0;
    JobCounts jobs{};
    std::size_t relay_in_flight = 0;
    std::uint64_t relay_published = 0;
    std::uint64_t relay_failed = 0;
    bool executor_enabled = false;
    std::size_t executor_running = 0;
    bool kafka_enabled = true;
};

struct HeartbeatThresholds {
    std::int64_t degraded_backlog = 100'000;
    std::chrono::milliseconds degraded_age{60'000};
};

std::int64_t OldestPendingAgeMs(const HeartbeatNumbers& numbers) noexcept;
schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, const HeartbeatThresholds& thresholds);
/// Writes the numbers into the heartbeat's (open) metrics object; returns the status.
schema::HealthStatus WriteHeartbeatFields(const HeartbeatNumbers& numbers, const HeartbeatThresholds& thresholds,
                                          schema::JsonWriter& w);

}  // namespace cosmic::orchestrator
