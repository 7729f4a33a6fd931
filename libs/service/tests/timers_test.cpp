#include "cosmic/job_orchestrator/scheduler.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using std::chrono::milliseconds;

TEST(SchedulerTest, RunsTasksInDueOrderThenInsertionOrder) {
    Scheduler scheduler("test");
    std::mutex mutex;
    std::vector<int> order;
    auto record = [&](int n) {
        return [&, n] {
            std::lock_guard lock(mutex);
            order.push_back(n);
        };
    };
    const auto base = Scheduler::Clock::now() + milliseconds(50);
    scheduler.At(base + milliseconds(20), record(3));
    scheduler.At(base, record(1));
    scheduler.At(base, record(2));
    scheduler.At(base + milliseconds(40), record(4));
    scheduler.Start();
    ASSERT_TRUE(testing::WaitFor([&] {
        std::lock_guard lock(mutex);
        return order.size() == 4;
    }));
    EXPECT_EQ(order, (std::vector<int>{1, 2, 3, 4}));
}

TEST(SchedulerTest, EveryRepeatsAndAThrowingTaskDoesNotStopTheScheduler) {
    Scheduler scheduler("test");
    std::atomic<int> ticks{0};
    std::atomic<bool> after_throw{false};
    scheduler.Every(milliseconds(5), [&] { ++ticks; });
    scheduler.Post([] { throw std::runtime_error("task failure"); });
    scheduler.Post([&] { after_throw = true; });
    scheduler.Start();
    EXPECT_TRUE(testing::WaitFor([&] { return ticks.load() >= 3 && after_throw.load(); }));
}

TEST(SchedulerTest, StopDropsPendingTasksAndLaterOnesAreIgnored) {
    std::atomic<bool> ran{false};
    {
        Scheduler scheduler("test");
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

TEST(SchedulerTest, KnowsItsOwnThread) {
    Scheduler scheduler("test");
    std::atomic<int> on_thread{-1};
    scheduler.Post([&] { on_thread = scheduler.OnSchedulerThread() ? 1 : 0; });
    scheduler.Start();
    ASSERT_TRUE(testing::WaitFor([&] { return on_thread.load() != -1; }));
    EXPECT_EQ(on_thread.load(), 1);
    EXPECT_FALSE(scheduler.OnSchedulerThread());
}

}  // namespace
}  // namespace cosmic::orchestrator
