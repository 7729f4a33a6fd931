#pragma once
/// job-orchestrator: the job API and state machine, the SQLite store with its transactional
/// outbox, the outbox relay, the simulated executor, the job-commands consumer and the heartbeat.
///
/// Assembled by the service kit: the store, the producer, the outbox relay, recovery (queues
/// jobs a crash left submitted), the simulated executor, two timers (stats, retention), the
/// heartbeat and the job-commands consumer.

#include <memory>
#include <mutex>
#include <string_view>

#include "cosmic/job_orchestrator/command_handler.hpp"
#include "cosmic/job_orchestrator/heartbeat.hpp"
#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/jobs_api.hpp"
#include "cosmic/job_orchestrator/orchestrator_config.hpp"
#include "cosmic/job_orchestrator/orchestrator_metrics.hpp"
#include "cosmic/job_orchestrator/outbox_relay.hpp"
#include "cosmic/job_orchestrator/sim_executor.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/service/config.hpp"
#include "cosmic/service/kit.hpp"

namespace cosmic::orchestrator {

class OrchestratorService {
  public:
    static void DeclareConfig(service::ConfigSchema& schema);

    /// Opens the store and declares everything; nothing runs until the runtime runs.
    explicit OrchestratorService(service::Kit& kit);
    OrchestratorService(const OrchestratorService&) = delete;
    OrchestratorService& operator=(const OrchestratorService&) = delete;

    JobService& Jobs() noexcept { return *jobs_; }
    JobStore& Store() noexcept { return store_; }
    OutboxRelay& Relay() noexcept { return *relay_; }
    /// The numbers the heartbeat carries, as of the last stats refresh.
    HeartbeatNumbers Numbers() const;

    /// Reads the outbox backlog and job counts (metrics + heartbeat).
    void RefreshStats();
    /// Runs retention once.
    PruneResult Prune();
    /// Queues jobs left in submitted (a crash between create and queue).
    std::size_t QueueStranded();

  private:
    service::Kit& kit_;
    OrchestratorConfig config_;
    OrchestratorMetrics metrics_;
    JobStore& store_;
    kafka::Producer& producer_;
    std::unique_ptr<OutboxRelay> relay_;
    std::unique_ptr<SimExecutor> executor_;
    std::unique_ptr<JobService> jobs_;
    std::unique_ptr<CommandHandler> commands_;
    kafka::Runner* runner_ = nullptr;  ///< the kit's; null when consumer.enabled is false
    std::unique_ptr<JobsApi> api_;

    mutable std::mutex stats_mutex_;
    OutboxStats outbox_stats_;
    JobCounts job_counts_{};
    std::int64_t stats_at_ms_ = 0;
};

}  // namespace cosmic::orchestrator
