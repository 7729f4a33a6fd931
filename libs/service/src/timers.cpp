#include "cosmic/service/timers.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "cosmic/telemetry/logging.hpp"

namespace cosmic::service {

Timers::Timers(std::string name) : name_(std::move(name)) {}

Timers::~Timers() { Stop(); }

void Timers::Start() {
    std::lock_guard lock(mutex_);
    if (thread_.joinable() || stopping_) return;
    thread_ = std::thread([this] { Run(); });
}

void Timers::Stop(Clock::time_point /*deadline*/) {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    if (thread_.joinable() && !OnTimerThread()) thread_.join();
    std::lock_guard lock(mutex_);
    queue_ = {};
}

void Timers::At(Clock::time_point when, Task task) { Push(when, nullptr, std::move(task)); }

void Timers::Push(Clock::time_point when, std::shared_ptr<const std::string> name, Task task) {
    bool earliest = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        earliest = queue_.empty() || when < queue_.top().when;
        queue_.push(Entry{when, next_order_++, std::move(name), std::move(task)});
    }
    if (earliest) changed_.notify_one();
}

void Timers::Every(std::string name, std::chrono::milliseconds interval, Task task) {
    if (interval.count() <= 0) return;
    // The repeating closure re-arms itself one interval after each run started: runs are never
    // closer than the interval, and a late run delays the next rather than bunching them up.
    auto shared = std::make_shared<Task>(std::move(task));
    auto shared_name = std::make_shared<const std::string>(std::move(name));
    auto arm = std::make_shared<std::function<void(Clock::time_point)>>();
    std::weak_ptr<std::function<void(Clock::time_point)>> weak = arm;
    *arm = [this, shared, shared_name, interval, weak](Clock::time_point due) {
        Push(due, shared_name, [shared, interval, weak] {
            // Re-armed even when the task throws, so one failure does not end the schedule.
            struct Rearm {
                const std::weak_ptr<std::function<void(Clock::time_point)>>& weak;
                Clock::time_point next;
                ~Rearm() {
                    if (auto again = weak.lock()) (*again)(next);
                }
            } rearm{weak, Clock::now() + interval};
            (*shared)();
        });
    };
    (*arm)(Clock::now() + interval);
    std::lock_guard lock(mutex_);
    // Keep the re-arming closure alive as long as the timers.
    repeaters_.push_back(std::move(arm));
}

std::size_t Timers::Pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

bool Timers::OnTimerThread() const noexcept { return thread_.get_id() == std::this_thread::get_id(); }

void Timers::Run() {
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
        Entry entry = std::move(const_cast<Entry&>(queue_.top()));
        queue_.pop();
        lock.unlock();
        try {
            entry.task();
        } catch (const std::exception& error) {
            std::uint64_t suppressed = 0;
            if (error_log.Allow(suppressed)) {
                spdlog::error("{}: task {} failed: {} ({} similar suppressed)", name_,
                              entry.name ? *entry.name : std::string("(one-off)"), error.what(), suppressed);
            }
        }
        lock.lock();
    }
}

}  // namespace cosmic::service
