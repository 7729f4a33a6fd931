#include "cosmic/metrics_consumer/periodic_tasks.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "cosmic/telemetry/logging.hpp"

namespace cosmic::metrics {

PeriodicTasks::~PeriodicTasks() { Stop(); }

void PeriodicTasks::Add(std::string name, std::chrono::milliseconds interval, std::function<void()> task) {
    if (interval.count() <= 0) return;
    tasks_.push_back(Task{std::move(name), interval, std::move(task), {}});
}

void PeriodicTasks::Start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || tasks_.empty()) return;
    stopping_ = false;
    const auto now = std::chrono::steady_clock::now();
    for (Task& task : tasks_) task.due = now + task.interval;
    thread_ = std::thread([this] { Run(); });
}

void PeriodicTasks::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void PeriodicTasks::Run() {
    telemetry::RateLimiter limiter;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto next =
            std::min_element(tasks_.begin(), tasks_.end(), [](const Task& a, const Task& b) { return a.due < b.due; });
        if (cv_.wait_until(lock, next->due, [this] { return stopping_; })) break;
        if (std::chrono::steady_clock::now() < next->due) continue;
        // Scheduled from the previous due time, so a slow run does not drift the period.
        next->due = std::max(next->due + next->interval, std::chrono::steady_clock::now());
        lock.unlock();
        try {
            next->run();
        } catch (const std::exception& error) {
            std::uint64_t suppressed = 0;
            if (limiter.Allow(suppressed)) {
                spdlog::error("periodic task {} failed: {} ({} similar suppressed)", next->name, error.what(),
                              suppressed);
            }
        }
        lock.lock();
    }
}

}  // namespace cosmic::metrics
