// Offsets taken in as one consumed batch are stored together at the end of the loop turn: a
// record that fails in the middle of the batch must still hold back its own offset (and, for
// a retry, everything after it on its partition), so nothing is committed past an unhandled record.

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

#include "runner_test_support.hpp"

namespace cosmic::kafka::test {
namespace {

class RunnerBatchStoreTest : public testing::EmbeddedClusterTest {
  protected:
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();

    /// Ten records on partition 0, produced before the runner starts so they arrive together.
    std::vector<std::int64_t> ProduceTen() {
        std::vector<std::int64_t> offsets;
        for (int i = 0; i < 10; ++i) {
            offsets.push_back(ProduceEvent(cluster_, "job-" + std::to_string(i), Marker(i), 0).offset);
        }
        return offsets;
    }
};

std::vector<std::string> Markers(const Recorder& recorder) {
    std::vector<std::string> markers;
    for (const auto& seen : recorder.All()) markers.push_back(seen.marker);
    return markers;
}

TEST_F(RunnerBatchStoreTest, ARetryMidBatchCommitsOnlyTheRecordsBeforeIt) {
    const std::vector<std::int64_t> offsets = ProduceTen();
    Recorder handled;
    std::atomic<int> failing_attempts{0};
    auto options = TestOptions(cluster_, "batch-store-retry");
    options.retry.max_attempts = 1000;  // still retrying when the runner stops
    {
        Runner runner(options, registry_);
        runner.On("*", [&](const schema::Event& e, const Delivery& d) {
            if (e.correlation_id == Marker(5)) {
                ++failing_attempts;
                return Outcome::kRetry;
            }
            handled.Add(e, d);
            return Outcome::kOk;
        });
        runner.Start();
        ASSERT_TRUE(WaitUntil([&] { return failing_attempts.load() >= 3; }));
        EXPECT_TRUE(runner.Stop(10s));
    }
    EXPECT_EQ(Markers(handled), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4"}))
        << "records after the retrying one wait for it";
    const auto committed = cluster_.CommittedOffsets("batch-store-retry", kLifecycle);
    ASSERT_TRUE(committed.count(0) > 0);
    EXPECT_EQ(committed.at(0), offsets[5]) << "the retrying record is read again by the next owner";

    // The next member of the group starts at the record that never succeeded.
    Recorder resumed;
    Runner next(options, std::make_shared<prometheus::Registry>());
    next.On("*", [&](const schema::Event& e, const Delivery& d) {
        resumed.Add(e, d);
        return Outcome::kOk;
    });
    next.Start();
    ASSERT_TRUE(WaitUntil([&] { return resumed.Count() >= 5; }));
    EXPECT_TRUE(next.Stop(10s));
    EXPECT_EQ(Markers(resumed), (std::vector<std::string>{"m5", "m6", "m7", "m8", "m9"}));
    ExpectCommittedToEnd(cluster_, "batch-store-retry", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerBatchStoreTest, ADeadLetterMidBatchIsCommittedOnlyOnceAcknowledged) {
    ProduceTen();
    Recorder handled;
    Runner runner(TestOptions(cluster_, "batch-store-dlq"), registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        if (e.correlation_id == Marker(5)) return Outcome::kDeadLetter;
        handled.Add(e, d);
        return Outcome::kOk;
    });
    runner.Start();
    const auto dead = cluster_.ConsumeAll(kLifecycleDlq, 1);
    ASSERT_EQ(dead.size(), 1u);
    ASSERT_TRUE(WaitUntil([&] { return handled.Count() == 9; }));
    EXPECT_TRUE(runner.Stop(10s));
    EXPECT_EQ(*dead.front().key, "job-5");
    EXPECT_EQ(Markers(handled), (std::vector<std::string>{"m0", "m1", "m2", "m3", "m4", "m6", "m7", "m8", "m9"}))
        << "in partition order, each once";
    EXPECT_EQ(
        MetricValue(*registry_, "cosmic_events_consumed_total", {{"event_type", "job.submitted"}, {"outcome", "ok"}}),
        9);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_events_consumed_total",
                          {{"event_type", "job.submitted"}, {"outcome", "dead_letter"}}),
              1);
    ExpectCommittedToEnd(cluster_, "batch-store-dlq", kLifecycle, kLifecyclePartitions);
}

}  // namespace
}  // namespace cosmic::kafka::test
