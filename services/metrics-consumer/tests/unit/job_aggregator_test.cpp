#include "cosmic/metrics_consumer/job_aggregator.hpp"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace cosmic::metrics {
namespace {

using std::chrono::milliseconds;

schema::Event Sample(const std::string& job, const std::string& event_id, double cpu, double memory,
                     std::int64_t execution_ms = 0, std::int64_t occurred_at_ms = 0, const std::string& user = "u1") {
    schema::Event event;
    event.topic = schema::TopicId::kJobMetrics;
    event.event_type = "job.metrics";
    event.event_id = event_id;
    event.job_id = job;
    event.user_id = user;
    event.occurred_at_ms = occurred_at_ms;
    event.sample.cpu_percent = cpu;
    event.sample.memory_mb = memory;
    event.sample.io_read_mb = cpu / 10;
    event.sample.io_write_mb = memory / 10;
    event.sample.execution_time_ms = execution_ms;
    return event;
}

AggregatorOptions SingleShard(std::size_t max_jobs, std::size_t window = 1000) {
    return AggregatorOptions{max_jobs, window, 1};
}

TEST(JobAggregatorTest, AggregatesKnownSamples) {
    JobAggregator aggregator;
    aggregator.Add(Sample("job-1", "e1", 10, 100, 1000, 5000), 1);
    aggregator.Add(Sample("job-1", "e2", 30, 300, 2000, 7000), 2);
    aggregator.Add(Sample("job-1", "e3", 20, 200, 3000, 6000), 3);

    const auto job = aggregator.Get("job-1");
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->job_id, "job-1");
    EXPECT_EQ(job->user_id, "u1");
    EXPECT_EQ(job->samples, 3u);
    EXPECT_DOUBLE_EQ(job->cpu_percent.min, 10);
    EXPECT_DOUBLE_EQ(job->cpu_percent.max, 30);
    EXPECT_DOUBLE_EQ(job->cpu_percent.Average(job->samples), 20);
    EXPECT_DOUBLE_EQ(job->cpu_percent.last, 20);
    EXPECT_DOUBLE_EQ(job->memory_mb.min, 100);
    EXPECT_DOUBLE_EQ(job->memory_mb.max, 300);
    EXPECT_DOUBLE_EQ(job->memory_mb.Average(job->samples), 200);
    EXPECT_DOUBLE_EQ(job->io_read_mb.max, 3);
    EXPECT_DOUBLE_EQ(job->io_read_mb.Average(job->samples), 2);
    EXPECT_DOUBLE_EQ(job->io_write_mb.min, 10);
    EXPECT_DOUBLE_EQ(job->io_write_mb.last, 20);
    EXPECT_DOUBLE_EQ(job->execution_time_ms.max, 3000);
    EXPECT_DOUBLE_EQ(job->execution_time_ms.Average(job->samples), 2000);
    EXPECT_NEAR(job->execution_p50_ms, 2000, 2000 * kRelativeAccuracy);
    EXPECT_NEAR(job->execution_p99_ms, 3000, 3000 * kRelativeAccuracy);
    EXPECT_EQ(job->first_seen_ms, 5000);  // by occurred_at, not arrival order
    EXPECT_EQ(job->last_seen_ms, 7000);
    EXPECT_EQ(job->updated_ms, 3);
    EXPECT_FALSE(aggregator.Get("job-2").has_value());
    EXPECT_EQ(aggregator.Totals().samples, 3u);
}

TEST(JobAggregatorTest, JobsAreAggregatedSeparately) {
    JobAggregator aggregator;
    aggregator.Add(Sample("a", "e1", 10, 1), 0);
    aggregator.Add(Sample("b", "e2", 90, 9), 0);
    EXPECT_DOUBLE_EQ(aggregator.Get("a")->cpu_percent.max, 10);
    EXPECT_DOUBLE_EQ(aggregator.Get("b")->cpu_percent.max, 90);
    EXPECT_EQ(aggregator.Totals().jobs, 2u);
}

TEST(JobAggregatorTest, PercentilesFollowTheExecutionTimeDistribution) {
    JobAggregator aggregator;
    for (int i = 1; i <= 1000; ++i) aggregator.Add(Sample("job", "e" + std::to_string(i), 1, 1, i), 0);
    const auto job = aggregator.Get("job");
    ASSERT_TRUE(job.has_value());
    EXPECT_NEAR(job->execution_p50_ms, 500, 500 * kRelativeAccuracy);
    EXPECT_NEAR(job->execution_p95_ms, 950, 950 * kRelativeAccuracy);
    EXPECT_NEAR(job->execution_p99_ms, 990, 990 * kRelativeAccuracy);
}

TEST(JobAggregatorTest, DuplicateSampleIsNotCountedTwice) {
    JobAggregator aggregator;
    EXPECT_EQ(aggregator.Add(Sample("job-1", "same", 10, 100), 0), AddStatus::kAdded);
    EXPECT_EQ(aggregator.Add(Sample("job-1", "same", 90, 900), 0), AddStatus::kDuplicate);
    const auto job = aggregator.Get("job-1");
    EXPECT_EQ(job->samples, 1u);
    EXPECT_DOUBLE_EQ(job->cpu_percent.max, 10);
    const AggregatorTotals totals = aggregator.Totals();
    EXPECT_EQ(totals.samples, 1u);
    EXPECT_EQ(totals.duplicates, 1u);
}

TEST(JobAggregatorTest, DedupeWindowIsBounded) {
    JobAggregator aggregator(SingleShard(10, 2));
    aggregator.Add(Sample("job", "e1", 1, 1), 0);
    aggregator.Add(Sample("job", "e2", 1, 1), 0);
    aggregator.Add(Sample("job", "e3", 1, 1), 0);  // e1 leaves the window
    EXPECT_EQ(aggregator.Add(Sample("job", "e3", 1, 1), 0), AddStatus::kDuplicate);
    EXPECT_EQ(aggregator.Add(Sample("job", "e1", 1, 1), 0), AddStatus::kAdded);
}

TEST(JobAggregatorTest, LeastRecentlyUpdatedJobIsEvictedAtTheCap) {
    JobAggregator aggregator(SingleShard(3));
    aggregator.Add(Sample("j1", "e1", 1, 1), 1000);
    aggregator.Add(Sample("j2", "e2", 1, 1), 2000);
    aggregator.Add(Sample("j3", "e3", 1, 1), 3000);
    aggregator.Add(Sample("j1", "e4", 1, 1), 4000);  // j1 is fresh again; j2 is now the oldest
    aggregator.Add(Sample("j4", "e5", 1, 1), 5000);
    EXPECT_FALSE(aggregator.Get("j2").has_value());
    EXPECT_TRUE(aggregator.Get("j1").has_value());
    EXPECT_TRUE(aggregator.Get("j3").has_value());
    EXPECT_TRUE(aggregator.Get("j4").has_value());
    const AggregatorTotals totals = aggregator.Totals();
    EXPECT_EQ(totals.jobs, 3u);
    EXPECT_EQ(totals.evicted_lru, 1u);
}

TEST(JobAggregatorTest, RecencyIsRefreshedAtMostOncePerRelinkInterval) {
    // A burst of samples does not reorder the LRU list: within kRelinkIntervalMs of its last
    // move a job keeps its place, so LRU and TTL are exact to within that interval.
    constexpr std::int64_t kInterval = JobShard::kRelinkIntervalMs;
    JobAggregator aggregator(SingleShard(2));
    aggregator.Add(Sample("j1", "e1", 1, 1), 0);
    aggregator.Add(Sample("j2", "e2", 1, 1), 10);
    aggregator.Add(Sample("j1", "e3", 1, 1), kInterval - 1);  // within the interval: j1 stays oldest
    aggregator.Add(Sample("j3", "e4", 1, 1), kInterval);
    EXPECT_FALSE(aggregator.Get("j1").has_value());
    EXPECT_TRUE(aggregator.Get("j2").has_value());
    // The sample still counted, and its time is what the TTL sees.
    EXPECT_EQ(aggregator.Get("j2")->updated_ms, 10);
}

TEST(JobAggregatorTest, TtlExpiryIsLateByAtMostTheRelinkInterval) {
    constexpr std::int64_t kInterval = JobShard::kRelinkIntervalMs;
    JobAggregator aggregator(SingleShard(10));
    aggregator.Add(Sample("j1", "e1", 1, 1), 0);
    aggregator.Add(Sample("j2", "e2", 1, 1), 10);
    aggregator.Add(Sample("j1", "e3", 1, 1), kInterval - 1);  // j1 stays at the tail, but is young
    // j2 is past the TTL but sits behind the young j1: it goes once j1 is old too, at the latest
    // one relink interval later.
    EXPECT_EQ(aggregator.ClearOldMetrics(100 + 10'000, milliseconds(10'000)), 0u);
    EXPECT_EQ(aggregator.ClearOldMetrics(kInterval + 10'000, milliseconds(10'000)), 2u);
}

TEST(JobAggregatorTest, EvictedJobStartsAfreshWhenItReturns) {
    JobAggregator aggregator(SingleShard(1));
    aggregator.Add(Sample("j1", "e1", 50, 1), 1);
    aggregator.Add(Sample("j2", "e2", 1, 1), 2);
    aggregator.Add(Sample("j1", "e3", 5, 1), 3);
    const auto job = aggregator.Get("j1");
    ASSERT_TRUE(job.has_value());
    EXPECT_EQ(job->samples, 1u);
    EXPECT_DOUBLE_EQ(job->cpu_percent.max, 5);
}

TEST(JobAggregatorTest, ShardedTableNeverExceedsMaxJobs) {
    JobAggregator aggregator(AggregatorOptions{100, 1000, 8});
    for (int i = 0; i < 5000; ++i) {
        aggregator.Add(Sample("job-" + std::to_string(i), "e" + std::to_string(i), 1, 1), i);
        ASSERT_LE(aggregator.Totals().jobs, 100u);
    }
    const AggregatorTotals totals = aggregator.Totals();
    EXPECT_EQ(totals.jobs + totals.evicted_lru, 5000u);
    EXPECT_GE(totals.jobs, 90u);  // 8 shards of 12: the cap is used, not just one shard of it
    EXPECT_TRUE(aggregator.Get("job-4999").has_value());
    EXPECT_FALSE(aggregator.Get("job-0").has_value());
}

TEST(JobAggregatorTest, ClearOldMetricsDropsJobsPastTheTtl) {
    JobAggregator aggregator(SingleShard(10));
    aggregator.Add(Sample("j1", "e1", 1, 1), 0);
    aggregator.Add(Sample("j2", "e2", 1, 1), 500);
    aggregator.Add(Sample("j3", "e3", 1, 1), 1000);
    EXPECT_EQ(aggregator.ClearOldMetrics(1200, milliseconds(600)), 2u);
    EXPECT_FALSE(aggregator.Get("j1").has_value());
    EXPECT_FALSE(aggregator.Get("j2").has_value());
    EXPECT_TRUE(aggregator.Get("j3").has_value());
    EXPECT_EQ(aggregator.Totals().evicted_ttl, 2u);
    EXPECT_EQ(aggregator.ClearOldMetrics(1200, milliseconds(0)), 0u);  // ttl 0 = keep
}

TEST(JobAggregatorTest, NewSampleKeepsAJobAlive) {
    JobAggregator aggregator(SingleShard(10));
    aggregator.Add(Sample("j1", "e1", 1, 1), 0);
    aggregator.Add(Sample("j2", "e2", 1, 1), 1'000);
    aggregator.Add(Sample("j1", "e3", 1, 1), 9'000);
    EXPECT_EQ(aggregator.ClearOldMetrics(10'000, milliseconds(5'000)), 1u);
    EXPECT_TRUE(aggregator.Get("j1").has_value());
    EXPECT_FALSE(aggregator.Get("j2").has_value());
}

TEST(JobAggregatorTest, ClockSteppingBackDoesNotStrandOldJobs) {
    JobAggregator aggregator(SingleShard(10));
    aggregator.Add(Sample("j1", "e1", 1, 1), 1000);
    aggregator.Add(Sample("j2", "e2", 1, 1), 10);  // wall clock went back
    // j2 counts as updated at 1000, so both expire together rather than j1 hiding behind j2.
    EXPECT_EQ(aggregator.ClearOldMetrics(2000, milliseconds(500)), 2u);
    EXPECT_EQ(aggregator.Totals().jobs, 0u);
}

TEST(JobAggregatorTest, LongAndShortJobIdsAreKeptIntact) {
    JobAggregator aggregator(SingleShard(2));
    const std::string long_id(300, 'x');                                     // stored on the heap
    const std::string uuid_id = "job-0b7c6f0e-2f43-4c55-9d7e-3c1f6f9e2a10";  // 40 bytes, inline
    aggregator.Add(Sample(long_id, "e1", 1, 1), 0);
    aggregator.Add(Sample(uuid_id, "e2", 2, 1), 0);
    aggregator.Add(Sample("", "e3", 3, 1), 0);  // evicts the long id (the validator would reject "")
    EXPECT_FALSE(aggregator.Get(long_id).has_value());
    EXPECT_EQ(aggregator.Get(uuid_id)->job_id, uuid_id);
    aggregator.Add(Sample(long_id, "e4", 4, 1), 0);  // recycles a slot that held an inline id
    EXPECT_EQ(aggregator.Get(long_id)->job_id, long_id);
    EXPECT_DOUBLE_EQ(aggregator.Get(long_id)->cpu_percent.last, 4);
}

TEST(JobAggregatorTest, KeepsTheLastUserOfAJob) {
    JobAggregator aggregator;
    aggregator.Add(Sample("j1", "e1", 1, 1, 0, 0, "alice"), 0);
    aggregator.Add(Sample("j1", "e2", 1, 1, 0, 0, ""), 0);  // system sample: owner unchanged
    EXPECT_EQ(aggregator.Get("j1")->user_id, "alice");
    aggregator.Add(Sample("j1", "e3", 1, 1, 0, 0, "bob"), 0);
    EXPECT_EQ(aggregator.Get("j1")->user_id, "bob");
}

TEST(JobAggregatorTest, TopRanksByAverageCpuOrPeakMemory) {
    JobAggregator aggregator(AggregatorOptions{100, 1000, 4});
    aggregator.Add(Sample("low", "e1", 10, 5000, 0, 0, "alice"), 0);
    aggregator.Add(Sample("mid", "e2", 50, 100, 0, 0, "bob"), 0);
    aggregator.Add(Sample("high", "e3", 90, 10, 0, 0, "alice"), 0);
    aggregator.Add(Sample("high", "e4", 70, 10, 0, 0, "alice"), 0);

    const auto by_cpu = aggregator.Top(TopBy::kCpu, 2);
    ASSERT_EQ(by_cpu.size(), 2u);
    EXPECT_EQ(by_cpu[0].job_id, "high");
    EXPECT_DOUBLE_EQ(by_cpu[0].value, 80);
    EXPECT_EQ(by_cpu[1].job_id, "mid");

    const auto by_memory = aggregator.Top(TopBy::kMemory, 10);
    ASSERT_EQ(by_memory.size(), 3u);
    EXPECT_EQ(by_memory[0].job_id, "low");
    EXPECT_EQ(by_memory[2].job_id, "high");

    const auto alice = aggregator.Top(TopBy::kCpu, 10, "alice");
    ASSERT_EQ(alice.size(), 2u);
    EXPECT_EQ(alice[0].job_id, "high");
    EXPECT_EQ(alice[1].job_id, "low");
    EXPECT_TRUE(aggregator.Top(TopBy::kCpu, 0).empty());
}

TEST(JobAggregatorTest, ChangedJobsAreReportedOnceWhileTracking) {
    JobAggregator aggregator;
    aggregator.Add(Sample("quiet", "e1", 1, 1), 0);
    EXPECT_TRUE(aggregator.TakeChanged(nullptr).empty());  // tracking was off

    aggregator.SetChangeTracking(true);
    aggregator.Add(Sample("a", "e2", 1, 1, 0, 0, "alice"), 0);
    aggregator.Add(Sample("a", "e3", 2, 1, 0, 0, "alice"), 0);
    aggregator.Add(Sample("b", "e4", 1, 1, 0, 0, "bob"), 0);
    const auto changed =
        aggregator.TakeChanged([](std::string_view, std::string_view user) { return user == "alice"; });
    ASSERT_EQ(changed.size(), 1u);  // one entry per job however many samples
    EXPECT_EQ(changed[0].job_id, "a");
    EXPECT_EQ(changed[0].samples, 2u);
    EXPECT_TRUE(aggregator.TakeChanged(nullptr).empty());  // b's mark was consumed too
}

TEST(JobAggregatorTest, EvictedChangedJobIsNotReported) {
    JobAggregator aggregator(SingleShard(1));
    aggregator.SetChangeTracking(true);
    aggregator.Add(Sample("a", "e1", 1, 1), 0);
    aggregator.Add(Sample("b", "e2", 1, 1), 0);  // evicts a, reuses its slot
    const auto changed = aggregator.TakeChanged(nullptr);
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].job_id, "b");
}

TEST(JobAggregatorTest, ConcurrentWritersAndReadersAgreeOnTotals) {
    JobAggregator aggregator(AggregatorOptions{1000, 100000, 4});
    constexpr int kThreads = 4;
    constexpr int kPerThread = 5000;
    std::atomic<bool> done{false};
    std::thread reader([&] {
        while (!done.load()) {
            (void)aggregator.Top(TopBy::kCpu, 5);
            (void)aggregator.Get("t0-j1");
        }
    });
    std::vector<std::thread> writers;
    for (int t = 0; t < kThreads; ++t) {
        writers.emplace_back([&aggregator, t] {
            for (int i = 0; i < kPerThread; ++i) {
                const std::string prefix = "t" + std::to_string(t);
                aggregator.Add(Sample(prefix + "-j" + std::to_string(i % 50), prefix + "-e" + std::to_string(i), 1, 1),
                               i);
            }
        });
    }
    for (auto& writer : writers) writer.join();
    done = true;
    reader.join();
    const AggregatorTotals totals = aggregator.Totals();
    EXPECT_EQ(totals.samples, std::uint64_t{kThreads} * kPerThread);
    EXPECT_EQ(totals.jobs, kThreads * 50u);
    EXPECT_EQ(aggregator.Get("t0-j1")->samples, std::uint64_t{kPerThread} / 50);
}

}  // namespace
}  // namespace cosmic::metrics
