#include "cosmic/job_orchestrator/sim_executor.hpp"

#include <prometheus/counter.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>
#include <vector>

#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kAdoptPage = 500;
constexpr std::chrono::seconds kFinishRetry{1};

std::int64_t ElapsedMs(Clock::time_point since) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

RequestContext SystemContext(const Job& job) {
    // Executor events continue the submitting request's correlation and trace.
    return MakeContext(Actor{ActorKind::kSystem, "", false}, job.correlation_id, job.traceparent);
}

}  // namespace

SimExecutor::SimExecutor(JobService& jobs, SimExecutorOptions options, prometheus::Counter* samples_counter)
    : jobs_(jobs),
      options_(options),
      samples_counter_(samples_counter),
      model_(options.model),
      scheduler_("simulated-executor") {
    options_.concurrency = std::max<std::size_t>(1, options_.concurrency);
}

SimExecutor::~SimExecutor() { Stop(); }

void SimExecutor::Start() {
    scheduler_.Post([this] {
        Adopt();
        Fill();
    });
    scheduler_.Every("fill", options_.poll_interval, [this] { Fill(); });
    scheduler_.Every("samples", options_.metrics_interval, [this] { SampleAll(); });
    scheduler_.Start();
}

void SimExecutor::Stop() { scheduler_.Stop(); }

void SimExecutor::Notify() {
    // Coalesce a burst of submissions into one fill.
    if (fill_posted_.exchange(true)) return;
    scheduler_.Post([this] {
        fill_posted_.store(false);
        Fill();
    });
}

void SimExecutor::Forget(const std::string& job_id) {
    scheduler_.Post([this, job_id] {
        if (running_.erase(job_id) > 0) {
            running_count_.store(running_.size());
            Fill();
        }
    });
}

SimExecutorStats SimExecutor::Stats() const {
    SimExecutorStats stats;
    stats.running = running_count_.load();
    stats.started = started_.load();
    stats.completed = completed_.load();
    stats.failed = failed_.load();
    stats.samples = samples_.load();
    return stats;
}

void SimExecutor::Adopt() {
    std::int64_t after = 0;
    std::size_t adopted = 0;
    for (;;) {
        std::vector<Job> page = jobs_.Store().ListInState(JobState::kRunning, after, kAdoptPage);
        for (Job& job : page) {
            after = job.position;
            if (job.executor != kSimulatedExecutor) continue;
            // Give it a fresh duration but count the time it already ran.
            const auto duration = model_.Duration();
            const auto ran = std::chrono::milliseconds(std::max<std::int64_t>(0, options_.clock() - job.started_at_ms));
            Launch(std::move(job), duration, Clock::now() - std::min(ran, duration));
            ++adopted;
        }
        if (page.size() < kAdoptPage) break;
    }
    if (adopted > 0) spdlog::info("simulated executor adopted {} running jobs", adopted);
}

void SimExecutor::Fill() {
    while (running_.size() < options_.concurrency) {
        const std::size_t free = options_.concurrency - running_.size();
        std::vector<Job> queued = jobs_.Store().NextQueued(free);
        if (queued.empty()) return;
        for (Job& job : queued) {
            const RequestContext context = SystemContext(job);
            JobResult started = jobs_.Start(job.job_id, kSimulatedExecutor, context);
            if (!started) continue;  // cancelled or taken by another executor meanwhile
            started_.fetch_add(1, std::memory_order_relaxed);
            Launch(std::move(started.job), model_.Duration(), Clock::now());
        }
        if (queued.size() < free) return;
    }
}

void SimExecutor::Launch(Job job, std::chrono::milliseconds duration, Clock::time_point started) {
    const std::string job_id = job.job_id;
    Running& running = running_[job_id];
    running.job = std::move(job);
    running.duration = duration;
    running.started = started;
    running.usage = model_.NewUsage();
    running_count_.store(running_.size());
    scheduler_.At(started + duration, [this, job_id] { Finish(job_id); });
}

void SimExecutor::Finish(const std::string& job_id) {
    auto it = running_.find(job_id);
    if (it == running_.end()) return;  // forgotten: cancelled or reported elsewhere
    Running running = std::move(it->second);
    running_.erase(it);
    running_count_.store(running_.size());
    const std::int64_t elapsed = std::max<std::int64_t>(ElapsedMs(running.started), running.duration.count());
    const RequestContext context = SystemContext(running.job);
    const schema::MetricsSample sample = model_.Sample(running.usage, elapsed, options_.clock());
    JobResult result;
    try {
        if (auto failure = model_.Outcome()) {
            result = jobs_.Fail(job_id, failure->error, failure->error_code, elapsed, context, sample);
            if (result) failed_.fetch_add(1, std::memory_order_relaxed);
        } else {
            result = jobs_.Complete(job_id, elapsed, context, sample);
            if (result) completed_.fetch_add(1, std::memory_order_relaxed);
        }
    } catch (const std::exception&) {
        // The store refused (busy, disk full): keep the job and try again shortly.
        const auto retry_at = Clock::now() + kFinishRetry;
        running_.emplace(job_id, std::move(running));
        running_count_.store(running_.size());
        scheduler_.At(retry_at, [this, job_id] { Finish(job_id); });
        throw;
    }
    if (result) {
        samples_.fetch_add(1, std::memory_order_relaxed);
        if (samples_counter_ != nullptr) samples_counter_->Increment();
    }
    Fill();
}

void SimExecutor::SampleAll() {
    if (running_.empty()) return;
    const std::int64_t now_ms = options_.clock();
    std::vector<std::pair<Job, schema::MetricsSample>> samples;
    samples.reserve(running_.size());
    for (auto& [id, running] : running_) {
        samples.emplace_back(running.job, model_.Sample(running.usage, ElapsedMs(running.started), now_ms));
    }
    const std::size_t written = jobs_.RecordSamples(samples);
    samples_.fetch_add(written, std::memory_order_relaxed);
    if (samples_counter_ != nullptr) samples_counter_->Increment(static_cast<double>(written));
}

}  // namespace cosmic::orchestrator
