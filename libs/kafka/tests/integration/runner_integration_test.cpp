// The runner against the mock cluster: dispatch, offsets, ordering, dead letters, retries that
// block only their partition, batches and lag.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <set>

#include "cosmic/kafka/dlq.hpp"
#include "cosmic/kafka/producer.hpp"
#include "runner_test_support.hpp"

namespace cosmic::kafka::test {
namespace {

class RunnerIntegrationTest : public testing::EmbeddedClusterTest {
  protected:
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(RunnerIntegrationTest, DispatchesByEventTypeStoresOffsetsAndCommitsOnStop) {
    for (int i = 0; i < 20; ++i) {
        ProduceEvent(cluster_, "job-" + std::to_string(i), Marker(i), -1,
                     i % 4 == 0 ? "job.completed" : "job.submitted");
        ProduceEvent(cluster_, "job-" + std::to_string(i), "q" + std::to_string(i), -1, "job.queued");
    }
    Recorder completed;
    Recorder other;
    Runner runner(TestOptions(cluster_, "dispatch-group"), registry_);
    runner.On("job.completed", [&](const schema::Event& e, const Delivery& d) {
        completed.Add(e, d);
        return Outcome::kOk;
    });
    runner.On("job.submitted", [&](const schema::Event& e, const Delivery& d) {
        other.Add(e, d);
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return completed.Count() + other.Count() == 20; }));
    // job.queued has no handler: skipped, offsets stored all the same.
    ASSERT_TRUE(WaitUntil([&] {
        return MetricValue(*registry_, "cosmic_events_consumed_total",
                           {{"event_type", "job.queued"}, {"outcome", "skipped"}}) == 20;
    }));
    EXPECT_TRUE(runner.Ready());
    EXPECT_EQ(runner.Assignment().size(), static_cast<std::size_t>(kLifecyclePartitions));
    EXPECT_TRUE(runner.Stop(10s));
    EXPECT_FALSE(runner.Ready());

    EXPECT_EQ(completed.Count(), 5u);
    EXPECT_EQ(other.Count(), 15u);
    for (const auto& seen : completed.All()) EXPECT_EQ(seen.event_type, "job.completed");
    EXPECT_EQ(
        MetricValue(*registry_, "cosmic_events_consumed_total", {{"event_type", "job.completed"}, {"outcome", "ok"}}),
        5);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_event_processing_seconds", {{"topic", "job-lifecycle"}}), 20);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_event_age_seconds", {{"topic", "job-lifecycle"}}), 40);
    ExpectCommittedToEnd(cluster_, "dispatch-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, HandlesEachKeyInProduceOrderAndPropagatesHeaders) {
    Producer producer(cluster_.ClientConfig(), {}, nullptr);
    constexpr int kKeys = 10;
    constexpr int kPerKey = 30;
    for (int i = 0; i < kPerKey; ++i) {
        for (int k = 0; k < kKeys; ++k) {
            ASSERT_FALSE(producer.Publish(LifecycleEvent("job-" + std::to_string(k), std::to_string(i))));
        }
    }
    ASSERT_EQ(producer.Flush(10s), 0u);

    Recorder recorder;
    std::atomic<int> missing_headers{0};
    Runner runner(TestOptions(cluster_, "order-group"), registry_);
    runner.On("job.*", [&](const schema::Event& e, const Delivery& d) {
        if (d.headers.Get("event_type") != e.event_type || d.Traceparent().empty() || d.key != e.job_id) {
            ++missing_headers;
        }
        recorder.Add(e, d);
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return recorder.Count() == kKeys * kPerKey; }));
    runner.Stop(10s);
    EXPECT_EQ(missing_headers.load(), 0);
    std::map<std::string, std::vector<int>> sequence;
    for (const auto& seen : recorder.All()) {
        sequence[seen.job_id].push_back(std::stoi(seen.marker));
    }
    ASSERT_EQ(sequence.size(), static_cast<std::size_t>(kKeys));
    for (const auto& [key, seq] : sequence) {
        for (std::size_t i = 0; i < seq.size(); ++i) {
            ASSERT_EQ(seq[i], static_cast<int>(i)) << key;
        }
    }
}

TEST_F(RunnerIntegrationTest, InvalidRecordsAreDeadLetteredAndThePartitionKeepsFlowing) {
    testing::ProduceRecord malformed;
    malformed.topic = std::string(kLifecycle);
    malformed.key = "job-bad";
    malformed.value = "{not json";
    malformed.headers = {{"x-origin", "test"},
                         {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}};
    malformed.partition = 0;
    const auto bad1 = cluster_.Produce(malformed);
    testing::ProduceRecord invalid = malformed;
    invalid.key = std::nullopt;
    invalid.value = R"({"event_id":"e1","event_type":"job.submitted"})";  // valid JSON, missing fields
    const auto bad2 = cluster_.Produce(invalid);
    for (int i = 0; i < 3; ++i) {
        ProduceEvent(cluster_, "job-ok", Marker(i), 0);
    }

    Recorder recorder;
    Runner runner(TestOptions(cluster_, "invalid-group"), registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        recorder.Add(e, d);
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return recorder.Count() == 3; }));
    const auto dead = cluster_.ConsumeAll(kLifecycleDlq, 2);
    ASSERT_EQ(dead.size(), 2u);
    runner.Stop(10s);

    std::map<std::int64_t, const testing::ConsumedRecord*> by_offset;
    for (const auto& record : dead) {
        by_offset[std::stoll(*record.Header("dlq.original.offset"))] = &record;
    }
    ASSERT_EQ(by_offset.count(bad1.offset), 1u);
    ASSERT_EQ(by_offset.count(bad2.offset), 1u);
    const auto& first = *by_offset[bad1.offset];
    EXPECT_EQ(first.key, "job-bad");
    EXPECT_EQ(first.value, "{not json");
    EXPECT_EQ(first.Header("x-origin"), "test");
    EXPECT_EQ(first.Header("traceparent"), malformed.headers[1].second);
    EXPECT_EQ(first.Header("dlq.original.topic"), "job-lifecycle");
    EXPECT_EQ(first.Header("dlq.original.partition"), "0");
    EXPECT_EQ(first.Header("dlq.consumer.group"), "invalid-group");
    EXPECT_EQ(first.Header("dlq.error.class"), "invalid_event");
    EXPECT_FALSE(first.Header("dlq.error.message")->empty());
    EXPECT_EQ(first.Header("dlq.attempts"), "1");
    EXPECT_TRUE(schema::ParseTimestamp(*first.Header("dlq.failed_at")));
    EXPECT_GT(std::stoll(*first.Header("dlq.original.timestamp")), 0);
    const auto& second = *by_offset[bad2.offset];
    EXPECT_EQ(second.key, std::nullopt) << "a null key stays null";
    EXPECT_EQ(second.value, invalid.value);
    EXPECT_EQ(
        MetricValue(*registry_, "cosmic_events_consumed_total", {{"event_type", "unknown"}, {"outcome", "invalid"}}),
        2);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_dlq_messages_total", {{"topic", "job-lifecycle"}}), 2);
    ExpectCommittedToEnd(cluster_, "invalid-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, InvalidHookCanKeepInvalidRecordsOutOfTheDlq) {
    testing::ProduceRecord malformed;
    malformed.topic = std::string(kLifecycle);
    malformed.value = "[]";
    malformed.partition = 2;
    cluster_.Produce(malformed);
    ProduceEvent(cluster_, "job-ok", "after", 2);

    std::atomic<int> invalid{0};
    std::string violation;
    Recorder recorder;
    Runner runner(TestOptions(cluster_, "hook-group"), registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        recorder.Add(e, d);
        return Outcome::kOk;
    });
    runner.OnInvalid([&](const RawRecord& raw, const schema::Violation& v) {
        if (raw.value == "[]" && raw.from.partition == 2) ++invalid;
        violation = v.ToString();
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return recorder.Count() == 1; }));
    runner.Stop(10s);
    EXPECT_EQ(invalid.load(), 1);
    EXPECT_FALSE(violation.empty());
    EXPECT_TRUE(cluster_.ConsumeToEnd(kLifecycleDlq).empty());
    ExpectCommittedToEnd(cluster_, "hook-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, RetryWaitsInPlaceAndBlocksOnlyItsOwnPartition) {
    ProduceEvent(cluster_, "x", "x", 0);
    ProduceEvent(cluster_, "y", "y", 0);

    std::mutex mutex;
    std::vector<std::string> order;
    std::vector<int> x_attempts;
    bool z_done = false;
    auto options = TestOptions(cluster_, "retry-group");
    options.retry.max_attempts = 1000;  // x retries until z went through, however long that takes
    Runner runner(options, registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        std::lock_guard lock(mutex);
        if (e.job_id == "x") {
            x_attempts.push_back(d.attempt);
            if (!z_done) return Outcome::kRetry;
        }
        if (e.job_id == "z") z_done = true;
        order.push_back(e.job_id);
        return Outcome::kOk;
    });
    runner.Start();
    // z goes to another partition only once x is already failing.
    ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mutex);
        return !x_attempts.empty();
    }));
    ProduceEvent(cluster_, "z", "z", 1);
    ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mutex);
        return order.size() == 3;
    }));
    runner.Stop(10s);
    std::lock_guard lock(mutex);
    EXPECT_EQ(order, (std::vector<std::string>{"z", "x", "y"})) << "z flows past the retrying x; y waits for x";
    ASSERT_GE(x_attempts.size(), 2u);
    for (std::size_t i = 0; i < x_attempts.size(); ++i) {
        EXPECT_EQ(x_attempts[i], static_cast<int>(i) + 1);
    }
    EXPECT_EQ(MetricValue(*registry_, "cosmic_retries_total", {{"topic", "job-lifecycle"}}),
              static_cast<double>(x_attempts.size() - 1));
    ExpectCommittedToEnd(cluster_, "retry-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, ExhaustedRetriesAndPermanentErrorsAreDeadLettered) {
    ProduceEvent(cluster_, "always-retry", "a", 0);
    ProduceEvent(cluster_, "always-throw", "b", 0);
    ProduceEvent(cluster_, "permanent", "c", 0);
    ProduceEvent(cluster_, "fine", "d", 0);

    std::mutex mutex;
    std::map<std::string, int> calls;
    auto options = TestOptions(cluster_, "exhaust-group");
    options.retry.max_attempts = 3;
    Runner runner(options, registry_);
    runner.On("job.submitted", [&](const schema::Event& e, const Delivery&) -> Outcome {
        {
            std::lock_guard lock(mutex);
            ++calls[e.job_id];
        }
        if (e.job_id == "always-retry") return Outcome::kRetry;
        if (e.job_id == "always-throw") throw std::runtime_error("store unavailable");
        if (e.job_id == "permanent") throw PermanentError("payload refers to an unknown job");
        return Outcome::kOk;
    });
    runner.Start();
    const auto dead = cluster_.ConsumeAll(kLifecycleDlq, 3);
    ASSERT_EQ(dead.size(), 3u);
    ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mutex);
        return calls["fine"] == 1;
    }));
    runner.Stop(10s);

    std::map<std::string, const testing::ConsumedRecord*> by_key;
    for (const auto& record : dead) by_key[*record.key] = &record;
    ASSERT_EQ(by_key.size(), 3u);
    EXPECT_EQ(by_key["always-retry"]->Header("dlq.error.class"), "retries_exhausted");
    EXPECT_EQ(by_key["always-retry"]->Header("dlq.attempts"), "3");
    EXPECT_EQ(by_key["always-throw"]->Header("dlq.error.class"), "retries_exhausted");
    EXPECT_EQ(by_key["always-throw"]->Header("dlq.error.message"), "store unavailable");
    EXPECT_EQ(by_key["always-throw"]->Header("dlq.attempts"), "3");
    EXPECT_EQ(by_key["permanent"]->Header("dlq.error.class"), "permanent_error");
    EXPECT_EQ(by_key["permanent"]->Header("dlq.error.message"), "payload refers to an unknown job");
    EXPECT_EQ(by_key["permanent"]->Header("dlq.attempts"), "1");
    std::lock_guard lock(mutex);
    EXPECT_EQ(calls["always-retry"], 3);
    EXPECT_EQ(calls["always-throw"], 3);
    EXPECT_EQ(calls["permanent"], 1);
    EXPECT_EQ(calls["fine"], 1);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_events_consumed_total",
                          {{"event_type", "job.submitted"}, {"outcome", "dead_letter"}}),
              3);
    ExpectCommittedToEnd(cluster_, "exhaust-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, BatchesStoreAfterOkAndRetryAsAWhole) {
    for (int i = 0; i < 45; ++i) ProduceEvent(cluster_, "job-a", Marker(i), 0);
    testing::ProduceRecord malformed;
    malformed.topic = std::string(kLifecycle);
    malformed.value = "garbage";
    malformed.partition = 0;
    cluster_.Produce(malformed);
    for (int i = 45; i < 60; ++i) ProduceEvent(cluster_, "job-b", Marker(i), 1);

    struct Call {
        std::vector<std::pair<std::int32_t, std::int64_t>> records;
        int attempt = 0;
        int invalid = 0;
    };
    std::mutex mutex;
    std::vector<Call> calls;
    std::set<std::string> markers;
    Runner runner(TestOptions(cluster_, "batch-group"), registry_);
    runner.OnBatch(
        [&](std::span<const Record> batch) {
            std::lock_guard lock(mutex);
            Call call;
            call.attempt = batch.front().from.attempt;
            for (const Record& record : batch) {
                call.records.emplace_back(record.from.partition, record.from.offset);
                if (record.event == nullptr) {
                    EXPECT_NE(record.violation, nullptr);
                    EXPECT_EQ(record.value, "garbage");
                    ++call.invalid;
                }
            }
            calls.push_back(call);
            if (calls.size() == 1) return Outcome::kRetry;  // the first batch fails once
            for (const Record& record : batch) {
                if (record.event) markers.insert(record.event->correlation_id);
            }
            return Outcome::kOk;
        },
        20, 30ms);
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mutex);
        return markers.size() == 60;
    }));
    runner.Stop(10s);
    std::lock_guard lock(mutex);
    ASSERT_GE(calls.size(), 4u);
    // Other partitions keep flowing while the failed batch waits; its retry is the same batch.
    const auto retry = std::find_if(calls.begin() + 1, calls.end(), [](const Call& c) { return c.attempt == 2; });
    ASSERT_NE(retry, calls.end());
    EXPECT_EQ(retry->records, calls[0].records) << "a retried batch is the same batch";
    int invalid = 0;
    for (std::size_t i = 1; i < calls.size(); ++i) {
        EXPECT_LE(calls[i].records.size(), 20u);
        EXPECT_LE(calls[i].attempt, 2);
        invalid += calls[i].invalid;
    }
    EXPECT_EQ(invalid, 1);
    ExpectCommittedToEnd(cluster_, "batch-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, FetchersAreWokenWhenAFullConsumerQueueDrains) {
    // librdkafka 2.0 stops fetching while the consumer queue holds queued.min.messages records and
    // looks again only when something wakes its broker threads (up to a second later). A small
    // limit makes the queue fill at once; the runner must wake the fetchers as it drains.
    constexpr int kRecords = 3000;
    {
        ProducerOptions producer_options;
        producer_options.linger = 5ms;
        Producer producer(cluster_.ClientConfig(), producer_options, nullptr);
        for (int i = 0; i < kRecords; ++i) {
            ASSERT_FALSE(producer.Publish(LifecycleEvent("job-" + std::to_string(i % 97), Marker(i))));
        }
        ASSERT_EQ(producer.Flush(30s), 0u);
    }
    RunnerOptions options = TestOptions(cluster_, "fetch-wakeup-group");
    options.client.properties["queued.min.messages"] = "200";
    options.poll_batch_size = 50;
    Runner runner(options, registry_);
    std::atomic<int> handled{0};
    runner.On("job.submitted", [&](const schema::Event&, const Delivery&) {
        handled.fetch_add(1);
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return handled.load() == kRecords; }, 120s));
    EXPECT_GT(runner.Counts().fetch_wakeups, 0u);
    EXPECT_TRUE(runner.Stop(10s));
    ExpectCommittedToEnd(cluster_, "fetch-wakeup-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerIntegrationTest, ReportsConsumerLagFromStatistics) {
    for (int i = 0; i < 30; ++i) ProduceEvent(cluster_, "job-lag", Marker(i), 3);
    std::atomic<bool> open{false};
    auto options = TestOptions(cluster_, "lag-group");
    options.statistics_interval = 100ms;
    options.retry.max_attempts = 100000;
    Runner runner(options, registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery&) {
        // Record 10 holds the partition until the test opens the gate: 10 handled, 20 behind.
        return e.correlation_id == Marker(10) && !open.load() ? Outcome::kRetry : Outcome::kOk;
    });
    runner.Start();
    const std::map<std::string, std::string> labels{{"topic", "job-lifecycle"}, {"partition", "3"}};
    ASSERT_TRUE(WaitUntil([&] {
        const auto lag = runner.Lag();
        return lag.known && lag.total == 20 && MetricValue(*registry_, "cosmic_consumer_lag_messages", labels) == 20;
    })) << "lag "
        << runner.Lag().total;
    open = true;
    ASSERT_TRUE(WaitUntil([&] { return runner.Lag().total == 0; }));
    runner.Stop(10s);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_consumer_lag_messages", labels), -1)
        << "gauges of partitions no longer owned are removed";
}

}  // namespace
}  // namespace cosmic::kafka::test
