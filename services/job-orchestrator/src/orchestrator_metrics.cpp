#include "cosmic/job_orchestrator/orchestrator_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <string>

namespace cosmic::orchestrator {

OrchestratorMetrics::OrchestratorMetrics(prometheus::Registry& registry) {
    auto& jobs = prometheus::BuildGauge()
                     .Name("cosmic_orchestrator_jobs")
                     .Help("Jobs in the store by status (refreshed every outbox.stats_interval_ms).")
                     .Register(registry);
    for (const JobState state : AllJobStates()) {
        jobs_[static_cast<std::size_t>(state)] = &jobs.Add({{"status", std::string(ToString(state))}});
    }
    auto& transitions = prometheus::BuildCounter()
                            .Name("cosmic_orchestrator_transitions_total")
                            .Help("Committed job state changes (from=\"none\" for a new job).")
                            .Register(registry);
    for (const JobState to : AllJobStates()) {
        const auto t = static_cast<std::size_t>(to);
        transitions_[0][t] = &transitions.Add({{"from", "none"}, {"to", std::string(ToString(to))}});
        for (const JobState from : AllJobStates()) {
            if (!CanTransition(from, to)) continue;
            transitions_[static_cast<std::size_t>(from) + 1][t] =
                &transitions.Add({{"from", std::string(ToString(from))}, {"to", std::string(ToString(to))}});
        }
    }
    pending_ = &prometheus::BuildGauge()
                    .Name("cosmic_outbox_pending_rows")
                    .Help("Outbox rows not yet acknowledged by Kafka.")
                    .Register(registry)
                    .Add({});
    oldest_age_ = &prometheus::BuildGauge()
                       .Name("cosmic_outbox_oldest_pending_age_seconds")
                       .Help("Age of the oldest pending outbox row (0 when none is pending).")
                       .Register(registry)
                       .Add({});
    published_ = &prometheus::BuildCounter()
                      .Name("cosmic_outbox_published_total")
                      .Help("Outbox rows acknowledged by Kafka and marked sent.")
                      .Register(registry)
                      .Add({});
    skipped_ = &prometheus::BuildCounter()
                    .Name("cosmic_outbox_skipped_total")
                    .Help("Outbox rows marked sent without sending because Kafka is disabled.")
                    .Register(registry)
                    .Add({});
    failed_ = &prometheus::BuildCounter()
                   .Name("cosmic_outbox_delivery_failures_total")
                   .Help("Outbox deliveries that failed; the rows stay pending and are published again.")
                   .Register(registry)
                   .Add({});
    latency_ = &prometheus::BuildHistogram()
                    .Name("cosmic_outbox_publish_latency_seconds")
                    .Help("Time from the outbox commit to the broker's acknowledgement.")
                    .Register(registry)
                    .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                     0.5, 1, 2.5, 5, 10, 30, 60, 300});
    pruned_ = &prometheus::BuildCounter()
                   .Name("cosmic_outbox_pruned_rows_total")
                   .Help("Sent outbox rows deleted by retention (outbox.sent_retention_ms).")
                   .Register(registry)
                   .Add({});
    simulated_samples_ = &prometheus::BuildCounter()
                              .Name("cosmic_orchestrator_simulated_samples_total")
                              .Help("job.metrics samples written by the simulated executor.")
                              .Register(registry)
                              .Add({});
}

void OrchestratorMetrics::Transition(std::optional<JobState> from, JobState to) {
    const std::size_t row = from ? static_cast<std::size_t>(*from) + 1 : 0;
    if (prometheus::Counter* counter = transitions_[row][static_cast<std::size_t>(to)]) counter->Increment();
}

void OrchestratorMetrics::SetJobCounts(const JobCounts& counts) {
    for (std::size_t i = 0; i < kJobStateCount; ++i) jobs_[i]->Set(static_cast<double>(counts[i]));
}

void OrchestratorMetrics::SetOutbox(const OutboxStats& stats, std::int64_t now_ms) {
    pending_->Set(static_cast<double>(stats.pending));
    const std::int64_t age_ms =
        stats.oldest_pending_ms ? std::max<std::int64_t>(0, now_ms - *stats.oldest_pending_ms) : 0;
    oldest_age_->Set(static_cast<double>(age_ms) / 1000.0);
}

void OrchestratorMetrics::Pruned(std::int64_t rows) { pruned_->Increment(static_cast<double>(rows)); }

RelayMetrics OrchestratorMetrics::Relay() const { return RelayMetrics{published_, skipped_, failed_, latency_}; }

}  // namespace cosmic::orchestrator
