#include "cosmic/job_orchestrator/heartbeat.hpp"

#include <algorithm>
#include <string>

#include "cosmic/schema/writer.hpp"

namespace cosmic::orchestrator {

std::int64_t OldestPendingAgeMs(const HeartbeatNumbers& numbers) noexcept {
    if (!numbers.outbox.oldest_pending_ms) return 0;
    return std::max<std::int64_t>(0, numbers.now_ms - *numbers.outbox.oldest_pending_ms);
}

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& numbers, const HeartbeatThresholds& thresholds) {
    if (numbers.outbox.pending >= thresholds.degraded_backlog) return schema::HealthStatus::kDegraded;
    if (OldestPendingAgeMs(numbers) >= thresholds.degraded_age.count()) return schema::HealthStatus::kDegraded;
    return schema::HealthStatus::kHealthy;
}

schema::HealthStatus WriteHeartbeatFields(const HeartbeatNumbers& numbers, const HeartbeatThresholds& thresholds,
                                          schema::JsonWriter& w) {
    w.Key("outbox_backlog").Int(numbers.outbox.pending);
    w.Key("outbox_oldest_age_ms").Int(OldestPendingAgeMs(numbers));
    for (const JobState state : AllJobStates()) {
        w.Key("jobs_" + std::string(ToString(state))).Int(numbers.jobs[static_cast<std::size_t>(state)]);
    }
    w.Key("relay_in_flight").Uint(numbers.relay_in_flight);
    w.Key("relay_published_total").Uint(numbers.relay_published);
    w.Key("relay_failed_total").Uint(numbers.relay_failed);
    w.Key("executor_enabled").Bool(numbers.executor_enabled);
    w.Key("executor_running").Uint(numbers.executor_running);
    w.Key("kafka_enabled").Bool(numbers.kafka_enabled);
    return HeartbeatStatus(numbers, thresholds);
}

}  // namespace cosmic::orchestrator
