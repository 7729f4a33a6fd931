#pragma once
/// The built-in simulated executor: takes queued jobs (highest priority, then oldest) up to its
/// concurrency, runs each for a random duration, emits job.metrics samples every metrics
/// interval (all running jobs' samples in one transaction), and finishes the job as completed or
/// failed. Everything runs on one scheduler thread: a timer per job, no thread per job.
///
/// Jobs wait in the store, not in memory: the executor holds only the jobs it runs. After a
/// restart it adopts the jobs it was running (executor = "simulated") and finishes them.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/sim_model.hpp"
#include "cosmic/service/timers.hpp"

namespace prometheus {
class Counter;
}

namespace cosmic::orchestrator {

struct SimExecutorOptions {
    std::size_t concurrency = 4;
    SimModelOptions model;
    /// Between samples of a running job; 0 = no samples.
    std::chrono::milliseconds metrics_interval{1000};
    /// Look for queued jobs at least this often (jobs queued by another process or at startup).
    std::chrono::milliseconds poll_interval{1000};
    /// Job and sample times; the service passes its own clock.
    schema::EpochClock clock = schema::NowEpochMs;
};

struct SimExecutorStats {
    std::size_t running = 0;
    std::uint64_t started = 0;
    std::uint64_t completed = 0;
    std::uint64_t failed = 0;
    std::uint64_t samples = 0;
};

class SimExecutor {
  public:
    SimExecutor(JobService& jobs, SimExecutorOptions options, prometheus::Counter* samples_counter = nullptr);
    ~SimExecutor();
    SimExecutor(const SimExecutor&) = delete;
    SimExecutor& operator=(const SimExecutor&) = delete;

    /// Adopts the jobs it was running before a restart, then starts taking queued jobs.
    void Start();
    /// Stops the timers; running jobs stay running in the store and are adopted at next start.
    void Stop();

    /// A job was queued: fill free slots now.
    void Notify();
    /// A job left running through another path (cancel, external report): free its slot.
    void Forget(const std::string& job_id);

    SimExecutorStats Stats() const;

  private:
    struct Running {
        Job job;
        std::chrono::milliseconds duration{};
        std::chrono::steady_clock::time_point started;
        SimUsage usage;
    };

    void Adopt();
    void Fill();
    void Launch(Job job, std::chrono::milliseconds duration, std::chrono::steady_clock::time_point started);
    void Finish(const std::string& job_id);
    void SampleAll();

    JobService& jobs_;
    SimExecutorOptions options_;
    prometheus::Counter* samples_counter_;
    SimModel model_;
    service::Timers scheduler_;
    std::unordered_map<std::string, Running> running_;  ///< scheduler thread only
    std::atomic<bool> fill_posted_{false};
    std::atomic<std::size_t> running_count_{0};
    std::atomic<std::uint64_t> started_{0};
    std::atomic<std::uint64_t> completed_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> samples_{0};
};

}  // namespace cosmic::orchestrator
