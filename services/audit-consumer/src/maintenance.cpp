#include "cosmic/audit_consumer/maintenance.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace cosmic::audit {

using Clock = std::chrono::steady_clock;

Maintenance::Maintenance(std::vector<Task> tasks) : tasks_(std::move(tasks)) {}

Maintenance::~Maintenance() {
    if (thread_.joinable()) Stop(Clock::now());
}

void Maintenance::Start() {
    thread_ = std::thread([this] { Loop(); });
}

void Maintenance::Stop(std::chrono::steady_clock::time_point) {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    // A task in progress (a purge chunk, a verification) finishes first; each is bounded.
    if (thread_.joinable()) thread_.join();
}

void Maintenance::Loop() {
    std::vector<Clock::time_point> due;
    const auto start = Clock::now();
    for (const Task& task : tasks_) due.push_back(start + task.interval);
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        auto next = Clock::time_point::max();
        for (std::size_t i = 0; i < tasks_.size(); ++i) {
            if (tasks_[i].interval.count() > 0) next = std::min(next, due[i]);
        }
        if (next == Clock::time_point::max()) {
            wake_.wait(lock, [&] { return stopping_; });
            break;
        }
        if (wake_.wait_until(lock, next, [&] { return stopping_; })) break;
        const auto now = Clock::now();
        for (std::size_t i = 0; i < tasks_.size() && !stopping_; ++i) {
            if (tasks_[i].interval.count() <= 0 || due[i] > now) continue;
            lock.unlock();
            try {
                tasks_[i].run();
            } catch (const std::exception& error) {
                spdlog::error("{} failed: {}", tasks_[i].name, error.what());
            }
            lock.lock();
            due[i] = Clock::now() + tasks_[i].interval;
        }
    }
}

}  // namespace cosmic::audit
