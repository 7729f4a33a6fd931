#include "cosmic/job_orchestrator/sim_executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <string>
#include <vector>

#include "cosmic/testing/wait.hpp"
#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::milliseconds;
using testing::MakeSubmit;
using testing::OpenStore;
using testing::ParseRow;
using testing::PendingRows;
using testing::TempDir;
using testing::UserContext;

SimExecutorOptions FastOptions(std::size_t concurrency, milliseconds duration, double failure_rate = 0) {
    SimExecutorOptions options;
    options.concurrency = concurrency;
    options.model.distribution = DurationDistribution::kFixed;
    options.model.mean = duration;
    options.model.min = milliseconds(0);
    options.model.max = duration;
    options.model.failure_rate = failure_rate;
    options.model.seed = 11;
    options.metrics_interval = milliseconds(20);
    options.poll_interval = milliseconds(50);
    return options;
}

/// A JobService whose hooks feed the executor, as the service wires them.
struct Harness {
    explicit Harness(const TempDir& dir, SimExecutorOptions options) : store(OpenStore(dir)) {
        JobServiceHooks hooks;
        hooks.job_queued = [this] {
            if (executor) executor->Notify();
        };
        hooks.transition = [this](const Job& job, std::optional<JobState> from, JobState to) {
            if (to == JobState::kRunning) {
                const int now = ++running;
                int seen = max_running.load();
                while (now > seen && !max_running.compare_exchange_weak(seen, now)) {
                }
            }
            if (from == JobState::kRunning) --running;
            if (executor && from == JobState::kRunning && job.executor == kSimulatedExecutor)
                executor->Forget(job.job_id);
        };
        jobs = std::make_unique<JobService>(*store, std::move(hooks));
        executor = std::make_unique<SimExecutor>(*jobs, options);
    }
    ~Harness() { executor->Stop(); }

    std::size_t Count(JobState state) {
        return static_cast<std::size_t>(store->CountByState()[static_cast<std::size_t>(state)]);
    }

    std::unique_ptr<SqliteJobStore> store;
    std::unique_ptr<JobService> jobs;
    std::unique_ptr<SimExecutor> executor;
    std::atomic<int> running{0};
    std::atomic<int> max_running{0};
};

TEST(SimExecutorTest, RunsEveryQueuedJobToCompletionWithinItsConcurrency) {
    TempDir dir;
    Harness h(dir, FastOptions(3, milliseconds(30)));
    h.executor->Start();
    for (int i = 0; i < 12; ++i) ASSERT_TRUE(h.jobs->Submit(MakeSubmit(), UserContext("u1")));
    ASSERT_TRUE(WaitUntil([&] { return h.Count(JobState::kCompleted) == 12; })) << h.Count(JobState::kCompleted);
    EXPECT_LE(h.max_running.load(), 3);
    EXPECT_GE(h.max_running.load(), 2);
    EXPECT_EQ(h.executor->Stats().completed, 12u);

    // Per job: submitted, queued, running, (samples), completed, in that order in the outbox.
    std::map<std::string, std::vector<std::string>> by_job;
    for (const auto& row : PendingRows(*h.store)) {
        const schema::Event event = ParseRow(row);
        if (event.topic == schema::TopicId::kAuditTrail) continue;
        by_job[event.job_id].push_back(event.event_type);
        if (event.event_type == "job.completed") {
            ASSERT_TRUE(event.execution_time_ms);
            EXPECT_GE(*event.execution_time_ms, 30);
        }
    }
    ASSERT_EQ(by_job.size(), 12u);
    for (const auto& [job, types] : by_job) {
        ASSERT_GE(types.size(), 5u) << job;  // at least the final sample
        EXPECT_EQ(types[0], "job.submitted");
        EXPECT_EQ(types[1], "job.queued");
        EXPECT_EQ(types[2], "job.running");
        EXPECT_EQ(types[types.size() - 2], "job.metrics");
        EXPECT_EQ(types.back(), "job.completed");
    }
}

TEST(SimExecutorTest, FailureRateOneFailsEveryJobWithAnErrorCode) {
    TempDir dir;
    Harness h(dir, FastOptions(4, milliseconds(5), 1.0));
    h.executor->Start();
    for (int i = 0; i < 5; ++i) h.jobs->Submit(MakeSubmit(), UserContext("u1"));
    ASSERT_TRUE(WaitUntil([&] { return h.Count(JobState::kFailed) == 5; }));
    JobQuery query;
    query.state = JobState::kFailed;
    for (const Job& job : h.store->List(query).jobs) {
        EXPECT_FALSE(job.error.empty());
        EXPECT_FALSE(job.error_code.empty());
    }
}

TEST(SimExecutorTest, RunningJobsEmitSamplesWhileTheyRun) {
    TempDir dir;
    Harness h(dir, FastOptions(1, milliseconds(300)));
    h.executor->Start();
    const std::string id = h.jobs->Submit(MakeSubmit(), UserContext("u1")).job.job_id;
    ASSERT_TRUE(WaitUntil([&] { return h.executor->Stats().samples >= 3; }));
    ASSERT_TRUE(WaitUntil([&] { return h.Count(JobState::kCompleted) == 1; }));
    std::int64_t last_elapsed = -1;
    int samples = 0;
    for (const auto& row : PendingRows(*h.store)) {
        const schema::Event event = ParseRow(row);
        if (event.event_type != "job.metrics") continue;
        ++samples;
        EXPECT_EQ(event.job_id, id);
        EXPECT_GE(event.sample.execution_time_ms, last_elapsed);
        last_elapsed = event.sample.execution_time_ms;
    }
    EXPECT_GE(samples, 3);
}

TEST(SimExecutorTest, CancellingARunningJobFreesItsSlot) {
    TempDir dir;
    Harness h(dir, FastOptions(1, milliseconds(60'000)));
    h.executor->Start();
    const std::string first = h.jobs->Submit(MakeSubmit(), UserContext("u1")).job.job_id;
    const std::string second = h.jobs->Submit(MakeSubmit(), UserContext("u1")).job.job_id;
    ASSERT_TRUE(WaitUntil([&] { return h.store->Get(first)->state == JobState::kRunning; }));
    EXPECT_EQ(h.store->Get(second)->state, JobState::kQueued);
    ASSERT_TRUE(h.jobs->Cancel(first, "stop", UserContext("u1")));
    EXPECT_TRUE(WaitUntil([&] { return h.store->Get(second)->state == JobState::kRunning; }));
    EXPECT_EQ(h.store->Get(first)->state, JobState::kCancelled);
}

TEST(SimExecutorTest, AfterARestartItAdoptsTheJobsItWasRunning) {
    TempDir dir;
    std::string id;
    std::string external;
    {
        Harness h(dir, FastOptions(2, milliseconds(60'000)));
        h.executor->Start();
        id = h.jobs->Submit(MakeSubmit(), UserContext("u1")).job.job_id;
        ASSERT_TRUE(WaitUntil([&] { return h.store->Get(id)->state == JobState::kRunning; }));
        h.executor->Stop();
        // A job run by an external executor must not be adopted.
        external = h.jobs->Submit(MakeSubmit(), UserContext("u1")).job.job_id;
        ASSERT_TRUE(h.jobs->Start(external, kExternalExecutor, UserContext("u1")));
    }
    Harness h(dir, FastOptions(2, milliseconds(50)));
    h.executor->Start();
    EXPECT_TRUE(WaitUntil([&] { return h.store->Get(id)->state == JobState::kCompleted; }));
    EXPECT_EQ(h.store->Get(external)->state, JobState::kRunning);
}

}  // namespace
}  // namespace cosmic::orchestrator
