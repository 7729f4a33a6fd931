#pragma once
/// Waiting on a condition with a deadline: the one way tests synchronise with what runs beside
/// them (a server thread, a consumer, a child process). Never a bare sleep.

#include <gtest/gtest.h>

#include <chrono>
#include <functional>

namespace cosmic::testing {

using Clock = std::chrono::steady_clock;

/// How long a test waits for something that should happen "soon" unless it says otherwise.
inline constexpr std::chrono::milliseconds kDefaultWait{std::chrono::seconds(30)};

/// Polls `condition` until it returns true or `timeout` has passed; the condition is checked once
/// more at the deadline. Polls quickly at first and backs off to at most `max_interval`, so a
/// condition that holds after 5 ms is seen within about 5 ms and one that takes a minute costs
/// few checks.
///
/// The result converts to bool and, on failure, says how long it waited and how often it
/// checked: `ASSERT_TRUE(WaitUntil(...)) << context;` prints that with the expression.
::testing::AssertionResult WaitUntil(const std::function<bool()>& condition,
                                     std::chrono::milliseconds timeout = kDefaultWait,
                                     std::chrono::milliseconds max_interval = std::chrono::milliseconds(100));

/// Milliseconds since `start`, for timings a test records (never asserts).
long long ElapsedMs(Clock::time_point start);

}  // namespace cosmic::testing
