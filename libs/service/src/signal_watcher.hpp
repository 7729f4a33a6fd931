#pragma once
// Receives SIGTERM/SIGINT on a dedicated thread through a signalfd. The signals must be blocked
// in every thread (BlockStopSignals() before any thread exists), otherwise their default action
// kills the process before the signalfd sees them.

#include <functional>
#include <thread>

namespace cosmic::service::detail {

class SignalWatcher {
  public:
    /// Starts watching; `on_signal` runs on the watcher thread, once per signal received.
    explicit SignalWatcher(std::function<void(int)> on_signal);
    /// Stops watching and joins the thread.
    ~SignalWatcher();
    SignalWatcher(const SignalWatcher&) = delete;
    SignalWatcher& operator=(const SignalWatcher&) = delete;

  private:
    void Loop();

    std::function<void(int)> on_signal_;
    int signal_fd_ = -1;
    int wake_fd_ = -1;
    std::thread thread_;
};

}  // namespace cosmic::service::detail
