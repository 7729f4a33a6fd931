#pragma once
/// The orchestrator's Prometheus metrics, registered once with every handle cached (no family
/// lookups on the request path). Labels are bounded: states, never job or user ids.
///
///   cosmic_orchestrator_jobs{status}                         gauge, jobs in the store by state
///   cosmic_orchestrator_transitions_total{from,to}           counter, committed state changes
///   cosmic_outbox_pending_rows                               gauge, rows not yet acknowledged
///   cosmic_outbox_oldest_pending_age_seconds                 gauge, 0 when nothing is pending
///   cosmic_outbox_published_total                            counter, rows acknowledged and marked sent
///   cosmic_outbox_skipped_total                              counter, rows marked sent with Kafka disabled
///   cosmic_outbox_delivery_failures_total                    counter, failed deliveries (rows stay pending)
///   cosmic_outbox_publish_latency_seconds                    histogram, commit -> broker acknowledgement
///   cosmic_outbox_pruned_rows_total                          counter, sent rows deleted by retention
///   cosmic_orchestrator_simulated_samples_total              counter, job.metrics samples written

#include <array>
#include <optional>

#include "cosmic/job_orchestrator/job_state.hpp"
#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/job_orchestrator/outbox_relay.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
}  // namespace prometheus

namespace cosmic::orchestrator {

class OrchestratorMetrics {
  public:
    explicit OrchestratorMetrics(prometheus::Registry& registry);

    /// Counts one committed change (`from` nullopt = a new job).
    void Transition(std::optional<JobState> from, JobState to);
    void SetJobCounts(const JobCounts& counts);
    void SetOutbox(const OutboxStats& stats, std::int64_t now_ms);
    void Pruned(std::int64_t rows);

    RelayMetrics Relay() const;
    prometheus::Counter* SimulatedSamples() const { return simulated_samples_; }

  private:
    std::array<prometheus::Gauge*, kJobStateCount> jobs_{};
    /// [from + 1][to]; row 0 is "new job".
    std::array<std::array<prometheus::Counter*, kJobStateCount>, kJobStateCount + 1> transitions_{};
    prometheus::Gauge* pending_ = nullptr;
    prometheus::Gauge* oldest_age_ = nullptr;
    prometheus::Counter* published_ = nullptr;
    prometheus::Counter* skipped_ = nullptr;
    prometheus::Counter* failed_ = nullptr;
    prometheus::Histogram* latency_ = nullptr;
    prometheus::Counter* pruned_ = nullptr;
    prometheus::Counter* simulated_samples_ = nullptr;
};

}  // namespace cosmic::orchestrator
