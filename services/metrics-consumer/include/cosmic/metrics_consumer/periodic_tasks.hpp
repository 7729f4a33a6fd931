#pragma once
/// A few timers on one thread: the TTL sweep, the rate meter's readings and the heartbeat.
/// A task that throws is logged (rate-limited) and runs again at its next time.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace cosmic::metrics {

class PeriodicTasks {
  public:
    PeriodicTasks() = default;
    ~PeriodicTasks();
    PeriodicTasks(const PeriodicTasks&) = delete;
    PeriodicTasks& operator=(const PeriodicTasks&) = delete;

    /// Before Start(): runs `task` every `interval` (first run one interval after Start).
    /// A zero interval disables the task.
    void Add(std::string name, std::chrono::milliseconds interval, std::function<void()> task);
    void Start();
    /// Idempotent; returns after the running task (if any) finished.
    void Stop();

  private:
    struct Task {
        std::string name;
        std::chrono::milliseconds interval;
        std::function<void()> run;
        std::chrono::steady_clock::time_point due;
    };
    void Run();

    std::vector<Task> tasks_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cosmic::metrics
