#include "cosmic/job_orchestrator/scheduler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <utility>

#include "cosmic/telemetry/logging.hpp"

namespace cosmic::orchestrator {

Scheduler::Scheduler(std::string name) : name_(std::move(name)) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::Start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { Run(); });
}

void Scheduler::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable() && !OnSchedulerThread()) thread_.join();
    std::lock_guard lock(mutex_);
    queue_ = {};
}

void Scheduler::At(Clock::time_point when, Task task) {
    bool earliest = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        earliest = queue_.empty() || when < queue_.top().when;
        queue_.push(Entry{when, next_order_++, std::move(task)});
    }
    if (earliest) changed_.notify_one();
}

void Scheduler::Every(std::chrono::milliseconds interval, Task task) {
    if (interval.count() <= 0) return;
    // The repeating closure re-arms itself from its own due time, so it does not drift.
    auto shared = std::make_shared<Task>(std::move(task));
    auto first = Clock::now() + interval;
    auto arm = std::make_shared<std::function<void(Clock::time_point)>>();
    std::weak_ptr<std::function<void(Clock::time_point)>> weak = arm;
    *arm = [this, shared, interval, weak](Clock::time_point due) {
        At(due, [this, shared, interval, weak, due] {
            (*shared)();
            if (auto again = weak.lock()) (*again)(std::max(due + interval, Clock::now()));
        });
    };
    (*arm)(first);
    std::lock_guard lock(mutex_);
    // Keep the re-arming closure alive as long as the scheduler.
    repeaters_.push_back(std::move(arm));
}

std::size_t Scheduler::Pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

bool Scheduler::OnSchedulerThread() const noexcept { return thread_.get_id() == std::this_thread::get_id(); }

void Scheduler::Run() {
    static telemetry::RateLimiter error_log(std::chrono::seconds(5));
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        if (queue_.empty()) {
            changed_.wait(lock);
            continue;
        }
        const auto due = queue_.top().when;
        if (Clock::now() < due) {
            changed_.wait_until(lock, due);
            continue;
        }
        Task task = std::move(const_cast<Entry&>(queue_.top()).task);
        queue_.pop();
        lock.unlock();
        try {
            task();
        } catch (const std::exception& error) {
            std::uint64_t suppressed = 0;
            if (error_log.Allow(suppressed)) {
                spdlog::error("{}: task failed: {} ({} similar suppressed)", name_, error.what(), suppressed);
            }
        }
        lock.lock();
    }
}

}  // namespace cosmic::orchestrator
