#include "cosmic/testing/wait.hpp"

#include <algorithm>
#include <thread>

namespace cosmic::testing {

::testing::AssertionResult WaitUntil(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                                     std::chrono::milliseconds max_interval) {
    const auto start = Clock::now();
    const auto deadline = start + timeout;
    auto interval = std::chrono::milliseconds(1);
    long long checks = 0;
    while (true) {
        ++checks;
        if (condition()) {
            return ::testing::AssertionSuccess();
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return ::testing::AssertionFailure()
                   << "the condition was still false after " << ElapsedMs(start) << " ms (timeout " << timeout.count()
                   << " ms, " << checks << " checks)";
        }
        std::this_thread::sleep_for(std::min<Clock::duration>(interval, deadline - now));
        interval = std::min(interval * 2, std::max(max_interval, std::chrono::milliseconds(1)));
    }
}

long long ElapsedMs(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

}  // namespace cosmic::testing
