// What handlers return and what becomes of it: a dead letter's class and reason in the DLQ
// record's headers, a retry's reason once its attempts run out, and Runner::Counts() for every
// path a record can take (per record and in batches).

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <map>
#include <mutex>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "cosmic/kafka/dlq.hpp"
#include "runner_test_support.hpp"

namespace cosmic::kafka {

// For EXPECT_EQ on counts (found by argument-dependent lookup, hence in the type's namespace).
bool operator==(const RunnerCounts& a, const RunnerCounts& b) {
    return a.handled == b.handled && a.skipped == b.skipped && a.invalid == b.invalid && a.failed == b.failed &&
           a.retried == b.retried && a.dead_lettered == b.dead_lettered;
}

std::ostream& operator<<(std::ostream& out, const RunnerCounts& c) {
    return out << "{handled " << c.handled << ", skipped " << c.skipped << ", invalid " << c.invalid << ", failed "
               << c.failed << ", retried " << c.retried << ", dead_lettered " << c.dead_lettered << "}";
}

namespace test {
namespace {

class RunnerOutcomeTest : public testing::EmbeddedClusterTest {
  protected:
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();

    void ProduceMalformed(std::int32_t partition, std::string key) {
        testing::ProduceRecord malformed;
        malformed.topic = std::string(kLifecycle);
        malformed.key = std::move(key);
        malformed.value = "{not json";
        malformed.partition = partition;
        cluster_.Produce(malformed);
    }
};

/// 1500 two-byte characters: well past the 1 KiB a dead letter's message keeps.
std::string LongReason() {
    std::string reason;
    for (int i = 0; i < 1500; ++i) reason += "\xc3\xa9";  // é
    return reason;
}

TEST_F(RunnerOutcomeTest, EveryPathIsCountedAndADeadLetterSaysWhy) {
    // One partition, so the records are handled one after the other in this order.
    ProduceEvent(cluster_, "ok-1", "a", 0);
    ProduceEvent(cluster_, "skip-1", "b", 0, "job.queued");  // no handler for job.queued
    ProduceMalformed(0, "malformed");
    ProduceEvent(cluster_, "retry-once", "c", 0);
    ProduceEvent(cluster_, "exhaust", "d", 0);
    ProduceEvent(cluster_, "unknown-job", "e", 0);
    ProduceEvent(cluster_, "bare-dead-letter", "f", 0);
    ProduceEvent(cluster_, "long-reason", "g", 0);
    ProduceEvent(cluster_, "skip-2", "h", 0, "job.queued");
    ProduceEvent(cluster_, "ok-2", "i", 0);

    std::mutex mutex;
    std::map<std::string, int> calls;
    auto options = TestOptions(cluster_, "outcome-group");
    options.retry.max_attempts = 3;
    Runner runner(options, registry_);
    runner.On("job.submitted", [&](const schema::Event& e, const Delivery&) {
        int call = 0;
        {
            std::lock_guard lock(mutex);
            call = ++calls[e.job_id];
        }
        if (e.job_id == "retry-once" && call == 1) return Outcome::Retry("store busy");
        if (e.job_id == "exhaust") return Outcome::Retry("disk full, attempt " + std::to_string(call));
        if (e.job_id == "unknown-job") return Outcome::DeadLetter("unknown_job", "job unknown-job was never submitted");
        if (e.job_id == "bare-dead-letter") return Outcome::kDeadLetter;
        if (e.job_id == "long-reason") return Outcome::DeadLetter("too_long", LongReason());
        return Outcome::Ok();
    });
    runner.Start();

    RunnerCounts expected;
    expected.handled = 3;        // ok-1, retry-once (second call), ok-2
    expected.skipped = 2;        // skip-1, skip-2
    expected.invalid = 1;        // malformed
    expected.failed = 7;         // retry-once 1, exhaust 3, unknown-job, bare-dead-letter, long-reason
    expected.retried = 3;        // retry-once 1, exhaust 2 (the third attempt dead-letters)
    expected.dead_lettered = 5;  // malformed, exhaust, unknown-job, bare-dead-letter, long-reason
    EXPECT_TRUE(WaitUntil([&] { return runner.Counts() == expected; })) << runner.Counts();
    const auto dead = cluster_.ConsumeAll(kLifecycleDlq, 5);
    EXPECT_TRUE(runner.Stop(10s));
    EXPECT_EQ(runner.Counts(), expected) << "nothing more happened";

    std::map<std::string, const testing::ConsumedRecord*> by_key;
    for (const auto& record : dead) by_key[record.key.value_or("")] = &record;
    ASSERT_EQ(by_key.size(), 5u);
    EXPECT_EQ(by_key["malformed"]->Header("dlq.error.class"), dlq_error::kInvalidEvent);
    EXPECT_EQ(by_key["exhaust"]->Header("dlq.error.class"), dlq_error::kRetriesExhausted);
    EXPECT_EQ(by_key["exhaust"]->Header("dlq.error.message"), "disk full, attempt 3") << "the last attempt's reason";
    EXPECT_EQ(by_key["exhaust"]->Header("dlq.attempts"), "3");
    EXPECT_EQ(by_key["unknown-job"]->Header("dlq.error.class"), "unknown_job");
    EXPECT_EQ(by_key["unknown-job"]->Header("dlq.error.message"), "job unknown-job was never submitted");
    EXPECT_EQ(by_key["unknown-job"]->Header("dlq.attempts"), "1");
    EXPECT_EQ(by_key["bare-dead-letter"]->Header("dlq.error.class"), dlq_error::kDeadLetter);
    EXPECT_EQ(by_key["bare-dead-letter"]->Header("dlq.error.message"), "handler returned dead_letter");
    EXPECT_EQ(by_key["long-reason"]->Header("dlq.error.class"), "too_long");
    EXPECT_EQ(by_key["long-reason"]->Header("dlq.error.message"), LongReason().substr(0, kMaxDlqErrorMessageBytes))
        << "cut to 1 KiB between two characters";
    EXPECT_EQ(MetricValue(*registry_, "cosmic_dlq_messages_total", {{"topic", "job-lifecycle"}}), 5);
    ExpectCommittedToEnd(cluster_, "outcome-group", kLifecycle, kLifecyclePartitions);
}

/// Keeps the warnings logged while it is installed as the default logger.
class WarningSink : public spdlog::sinks::base_sink<std::mutex> {
  public:
    std::vector<std::string> Lines() {
        std::lock_guard lock(mutex_);
        return lines_;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        if (msg.level >= spdlog::level::warn) lines_.emplace_back(msg.payload.begin(), msg.payload.end());
    }
    void flush_() override {}

  private:
    std::vector<std::string> lines_;  // guarded by base_sink's mutex_
};

TEST_F(RunnerOutcomeTest, InvalidRecordsAreLoggedWithWhereTheyCameFromButNotEachOne) {
    constexpr int kMalformed = 40;
    for (int i = 0; i < kMalformed; ++i) ProduceMalformed(0, "malformed-" + std::to_string(i));
    auto sink = std::make_shared<WarningSink>();
    const auto previous = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("capture", sink));

    Runner runner(TestOptions(cluster_, "invalid-log-group"), registry_);
    runner.On("job.submitted", [](const schema::Event&, const Delivery&) { return Outcome::Ok(); });
    runner.Start();
    EXPECT_TRUE(WaitUntil([&] { return runner.Counts().invalid == kMalformed; })) << runner.Counts();
    EXPECT_TRUE(runner.Stop(10s));
    spdlog::set_default_logger(previous);

    std::vector<std::string> invalid;
    for (const std::string& line : sink->Lines()) {
        if (line.find("invalid record from job-lifecycle [0] @") != std::string::npos) invalid.push_back(line);
    }
    ASSERT_FALSE(invalid.empty()) << "a dead-lettered invalid record leaves no log line";
    // The first malformed record's offset (0 on the mock; later on a real cluster's reused topic).
    EXPECT_TRUE(std::regex_search(invalid.front(), std::regex("@[0-9]+:"))) << invalid.front();
    EXPECT_NE(invalid.front().find("similar suppressed"), std::string::npos) << invalid.front();
    EXPECT_LT(invalid.size(), static_cast<std::size_t>(kMalformed)) << "one line per record is a log flood";
}

TEST_F(RunnerOutcomeTest, DeadLetterTopicOffCountsDroppedRecords) {
    ProduceEvent(cluster_, "unknown-job", "a", 1);
    ProduceMalformed(1, "malformed");
    ProduceEvent(cluster_, "ok", "b", 1);
    auto options = TestOptions(cluster_, "outcome-no-dlq-group");
    options.dead_letter_queue = false;
    Runner runner(options, registry_);
    runner.On("*", [](const schema::Event& e, const Delivery&) {
        return e.job_id == "unknown-job" ? Outcome::DeadLetter("unknown_job", "never submitted") : Outcome::Ok();
    });
    runner.Start();
    RunnerCounts expected;
    expected.handled = 1;
    expected.invalid = 1;
    expected.failed = 1;
    expected.dead_lettered = 2;  // dropped, not sent
    EXPECT_TRUE(WaitUntil([&] { return runner.Counts() == expected; })) << runner.Counts();
    EXPECT_TRUE(runner.Stop(10s));
    EXPECT_TRUE(cluster_.ConsumeToEnd(kLifecycleDlq).empty());
    ExpectCommittedToEnd(cluster_, "outcome-no-dlq-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerOutcomeTest, BatchesCountEveryRecordAndDeadLetterWithTheBatchsReason) {
    for (int i = 0; i < 15; ++i) ProduceEvent(cluster_, "job-a", Marker(i), 0);
    ProduceMalformed(0, "malformed");
    ProduceEvent(cluster_, "poison", "poison", 1);
    for (int i = 15; i < 20; ++i) ProduceEvent(cluster_, "job-b", Marker(i), 1);
    constexpr std::uint64_t kRecords = 22;

    std::mutex mutex;
    int batch_calls = 0;
    std::uint64_t poisoned = 0;  // records of the batch that held the poison record
    Runner runner(TestOptions(cluster_, "outcome-batch-group"), registry_);
    runner.OnBatch(
        [&](std::span<const Record> batch) {
            std::lock_guard lock(mutex);
            if (++batch_calls == 1) return Outcome::Retry("batch store busy");  // the first batch fails once
            for (const Record& record : batch) {
                if (record.event != nullptr && record.event->job_id == "poison") {
                    poisoned = batch.size();
                    return Outcome::DeadLetter("poison_batch", "batch holds job poison");
                }
            }
            return Outcome::Ok();
        },
        10, 30ms);
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] {
        const RunnerCounts counts = runner.Counts();
        return counts.handled + counts.dead_lettered == kRecords;
    })) << runner.Counts();
    EXPECT_TRUE(runner.Stop(10s));

    std::lock_guard lock(mutex);
    ASSERT_GT(poisoned, 0u);
    const RunnerCounts counts = runner.Counts();
    EXPECT_EQ(counts.handled, kRecords - poisoned) << "every record of an Ok batch, the invalid one included";
    EXPECT_EQ(counts.dead_lettered, poisoned);
    EXPECT_EQ(counts.invalid, 1u);
    EXPECT_EQ(counts.failed, 2u) << "one call per batch: the retry and the dead letter";
    EXPECT_EQ(counts.retried, 1u) << "the whole batch is one retry";
    EXPECT_EQ(counts.skipped, 0u);

    const auto dead = cluster_.ConsumeAll(kLifecycleDlq, poisoned);
    ASSERT_EQ(dead.size(), poisoned);
    for (const auto& record : dead) {
        EXPECT_EQ(record.Header("dlq.error.class"), "poison_batch");
        EXPECT_EQ(record.Header("dlq.error.message"), "batch holds job poison");
    }
    ExpectCommittedToEnd(cluster_, "outcome-batch-group", kLifecycle, kLifecyclePartitions);
}

}  // namespace
}  // namespace test
}  // namespace cosmic::kafka
