#include "cosmic/service/timers.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "cosmic/testing/wait.hpp"

namespace cosmic::service {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::milliseconds;

TEST(TimersTest, RunsTasksInDueOrderThenInsertionOrder) {
    Timers scheduler("test");
    std::mutex mutex;
    std::vector<int> order;
    auto record = [&](int n) {
        return [&, n] {
            std::lock_guard lock(mutex);
            order.push_back(n);
        };
    };
    const auto base = Timers::Clock::now() + milliseconds(50);
    scheduler.At(base + milliseconds(20), record(3));
    scheduler.At(base, record(1));
    scheduler.At(base, record(2));
    scheduler.At(base + milliseconds(40), record(4));
    scheduler.Start();
    ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mutex);
        return order.size() == 4;
    }));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
}

TEST(TimersTest, EveryRepeatsAndAThrowingTaskDoesNotStopTheScheduler) {
    Timers scheduler("test");
    std::atomic<int> ticks{0};
    std::atomic<bool> after_throw{false};
    scheduler.Every("tick", milliseconds(5), [&] { ++ticks; });
    scheduler.Post([] { throw std::runtime_error("task failure"); });
    scheduler.Post([&] { after_throw = true; });
    scheduler.Start();
    EXPECT_TRUE(WaitUntil([&] { return ticks.load() >= 3 && after_throw.load(); }));
}

TEST(TimersTest, StopDropsPendingTasksAndLaterOnesAreIgnored) {
    std::atomic<bool> ran{false};
    {
        Timers scheduler("test");
        scheduler.Start();
        scheduler.After(std::chrono::hours(1), [&] { ran = true; });
        EXPECT_EQ(scheduler.Pending(), 1u);
        scheduler.Stop();
        EXPECT_EQ(scheduler.Pending(), 0u);
        scheduler.Post([&] { ran = true; });
        EXPECT_EQ(scheduler.Pending(), 0u);
    }
    EXPECT_FALSE(ran.load());
}

TEST(TimersTest, KnowsItsOwnThread) {
    Timers scheduler("test");
    std::atomic<int> on_thread{-1};
    scheduler.Post([&] { on_thread = scheduler.OnTimerThread() ? 1 : 0; });
    scheduler.Start();
    ASSERT_TRUE(WaitUntil([&] { return on_thread.load() != -1; }));
    EXPECT_EQ(on_thread.load(), 1);
    EXPECT_FALSE(scheduler.OnTimerThread());
}

}  // namespace
}  // namespace cosmic::service

namespace cosmic::service {
namespace {

TEST(TimersTest, ARepeatingTaskThatThrowsRunsAgain) {
    Timers timers("test");
    std::atomic<int> runs{0};
    timers.Every("flaky", std::chrono::milliseconds(5), [&] {
        ++runs;
        throw std::runtime_error("always fails");
    });
    timers.Start();
    EXPECT_TRUE(WaitUntil([&] { return runs.load() >= 3; }));
}

TEST(TimersTest, AZeroIntervalDisablesTheTask) {
    Timers timers("test");
    timers.Every("off", std::chrono::milliseconds(0), [] {});
    EXPECT_EQ(timers.Pending(), 0u);
}

}  // namespace
}  // namespace cosmic::service
