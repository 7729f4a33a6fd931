#pragma once
/// Waiting on a condition with a deadline (never a bare sleep as synchronisation).

#include <chrono>
#include <functional>
#include <thread>

namespace cosmic::e2e {

using Clock = std::chrono::steady_clock;

/// Polls `condition` every `interval` until it returns true (returns true) or `timeout` has
/// passed (returns the result of one last call).
inline bool WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                      std::chrono::milliseconds interval = std::chrono::milliseconds(100)) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(interval);
    }
    return condition();
}

/// Milliseconds since `start`, for the timings the tests record.
inline long long ElapsedMs(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace cosmic::e2e
