#pragma once
/// Timers on one thread: a priority queue of (due time, task). The simulated executor runs all of
/// its work here (starts, finishes, samples), so its state needs no locks and no job has a thread
/// of its own. A task that throws is logged (rate-limited); the scheduler keeps going.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

namespace cosmic::orchestrator {

class Scheduler {
  public:
    using Clock = std::chrono::steady_clock;
    using Task = std::function<void()>;

    explicit Scheduler(std::string name);
    ~Scheduler();
    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    void Start();
    /// Lets the running task finish, drops the pending ones and joins. Idempotent.
    void Stop();

    /// Runs `task` at `when` (tasks due at the same time run in the order they were added).
    /// Thread-safe; ignored after Stop().
    void At(Clock::time_point when, Task task);
    void After(std::chrono::milliseconds delay, Task task) { At(Clock::now() + delay, std::move(task)); }
    void Post(Task task) { At(Clock::now(), std::move(task)); }
    /// Runs `task` every `interval`, first after one interval. A zero interval does nothing.
    void Every(std::chrono::milliseconds interval, Task task);

    std::size_t Pending() const;
    /// True on the scheduler's own thread.
    bool OnSchedulerThread() const noexcept;

  private:
    struct Entry {
        Clock::time_point when;
        std::uint64_t order;
        Task task;
    };
    struct Later {
        bool operator()(const Entry& a, const Entry& b) const {
            return a.when != b.when ? a.when > b.when : a.order > b.order;
        }
    };
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

}  // namespace cosmic::orchestrator
