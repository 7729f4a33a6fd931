#pragma once
/// Timers on one thread: a priority queue of (due time, task). Every service's periodic work
/// (heartbeats aside, which have their own component) runs on one of these: retention, stats,
/// checkpoints, TTL sweeps. Work that wants no locks can run all of its steps on one Timers
/// (the orchestrator's simulated executor does). A task that throws is logged (rate-limited)
/// under its name and runs again at its next time.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cosmic/service/component.hpp"

namespace cosmic::service {

class Timers final : public Component {
  public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;

    explicit Timers(std::string name = "timers");
    ~Timers() override;
    Timers(const Timers&) = delete;
    Timers& operator=(const Timers&) = delete;

    std::string_view Name() const override { return name_; }
    /// Starts the thread; tasks added before run at their times from now on.
    void Start() override;
    /// Lets the running task finish, drops the pending ones and joins. Idempotent.
    void Stop(Clock::time_point deadline) override;
    void Stop() { Stop(Clock::now()); }

    /// Runs `task` at `when` (tasks due at the same time run in the order they were added).
    /// Thread-safe; ignored after Stop().
    void At(Clock::time_point when, Task task);
    void After(std::chrono::milliseconds delay, Task task) { At(Clock::now() + delay, std::move(task)); }
    void Post(Task task) { At(Clock::now(), std::move(task)); }
    /// Runs `task` every `interval`, first after one interval; `name` is used in its error
    /// logs. A zero or negative interval disables the task. Each run is due one interval after
    /// the previous one started, so runs are never closer than `interval` and never overlap.
    void Every(std::string name, std::chrono::milliseconds interval, Task task);

    std::size_t Pending() const;
    /// True on the timers' own thread.
    bool OnTimerThread() const noexcept;

  private:
    struct Entry {
        Clock::time_point when;
        std::uint64_t order;
        std::shared_ptr<const std::string> name;
        Task task;
    };
    struct Later {
        bool operator()(const Entry& a, const Entry& b) const {
            return a.when != b.when ? a.when > b.when : a.order > b.order;
        }
    };
    void Push(Clock::time_point when, std::shared_ptr<const std::string> name, Task task);
    void Run();

    std::string name_;
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::priority_queue<Entry, std::vector<Entry>, Later> queue_;
    std::uint64_t next_order_ = 0;
    std::vector<std::shared_ptr<std::function<void(Clock::time_point)>>> repeaters_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cosmic::service
