#pragma once
/// The orchestrator's health.heartbeat to system-health: outbox backlog and age, jobs by state,
/// relay and executor numbers; DEGRADED when the outbox backs up or the command consumer has no
/// assignment.

#include <chrono>
#include <cstdint>
#include <optional>

#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/job_orchestrator/job_store.hpp"

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
    bool consumer_ready = true;  ///< assigned, or not consuming
    bool kafka_enabled = true;
};

struct HeartbeatThresholds {
    std::int64_t degraded_backlog = 100'000;
    std::chrono::milliseconds degraded_age{60'000};
};

std::int64_t OldestPendingAgeMs(const HeartbeatNumbers& numbers) noexcept;
schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, const HeartbeatThresholds& thresholds);
/// The status and metrics object of one heartbeat (kafka::Heartbeat adds the envelope).
kafka::HeartbeatSnapshot ToHeartbeat(const HeartbeatNumbers& numbers, const HeartbeatThresholds& thresholds);

}  // namespace cosmic::orchestrator
