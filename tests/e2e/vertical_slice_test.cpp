// The vertical slice on the shared cluster: jobs submitted through the orchestrator's API reach a
// terminal state, their lifecycle is ordered on job-lifecycle, metrics-consumer aggregates their
// samples and audit-consumer stores every STATE_CHANGE exactly once in a chain that verifies.

#include <gtest/gtest.h>

#include "stack.hpp"

namespace cosmic::e2e {
namespace {

constexpr int kJobs = 50;

TEST(StackE2E, JobsFlowThroughEveryService) {
    Stack slice("vertical_slice", ExecutorSettings{});
    ASSERT_NO_THROW(slice.StartAll());

    auto start = Clock::now();
    const auto ids = slice.SubmitJobs(kJobs, "slice");
    ASSERT_EQ(ids.size(), static_cast<std::size_t>(kJobs));
    Stack::RecordTiming("submit", ElapsedMs(start));

    start = Clock::now();
    const FinalStatus jobs = slice.WaitAllTerminal(ids, std::chrono::seconds(120));
    ASSERT_EQ(jobs.size(), ids.size());
    Stack::RecordTiming("all_terminal", ElapsedMs(start));

    slice.CheckAll(jobs);
    slice.StopAll();
}

}  // namespace
}  // namespace cosmic::e2e
