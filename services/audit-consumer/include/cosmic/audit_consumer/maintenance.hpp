#pragma once
/// Runs the service's periodic work on one thread: checkpoints, retention, self-verification
/// and heartbeats, each on its own interval. Waits on a condition variable, so Stop() is prompt.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/service/component.hpp"

namespace cosmic::audit {

class Maintenance final : public service::Component {
  public:
    struct Task {
        std::string name;
        std::chrono::milliseconds interval;  ///< 0 disables the task
        std::function<void()> run;           ///< exceptions are logged, the task runs again next interval
    };

    explicit Maintenance(std::vector<Task> tasks);
    ~Maintenance() override;

    std::string_view Name() const override { return "maintenance"; }
    void Start() override;
    void Stop(std::chrono::steady_clock::time_point deadline) override;

  private:
    void Loop();

    std::vector<Task> tasks_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace cosmic::audit
