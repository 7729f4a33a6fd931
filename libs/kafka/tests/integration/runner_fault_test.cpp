// The runner under faults: the dead-letter topic unavailable, brokers down, rebalances between
// members, a graceful stop handing partitions over, and a member killed with SIGKILL.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "runner_test_support.hpp"

namespace cosmic::kafka::test {
namespace {

class RunnerFaultTest : public testing::EmbeddedClusterTest {
  protected:
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(RunnerFaultTest, FailedDeadLetterKeepsTheOffsetAndRetriesUntilTheDlqTakesIt) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    testing::ProduceRecord malformed;
    malformed.topic = std::string(kLifecycle);
    malformed.key = "job-bad";
    malformed.value = "{broken";
    malformed.partition = 0;
    const auto bad = cluster_.Produce(malformed);
    ProduceEvent(cluster_, "job-next", "next", 0);
    // No leader for any partition of the dead-letter topic: dead letters time out.
    for (int p = 0; p < kLifecyclePartitions; ++p) {
        ASSERT_EQ(rd_kafka_mock_partition_set_leader(cluster_.Mock().Native(), kLifecycleDlq.data(), p, -1),
                  RD_KAFKA_RESP_ERR_NO_ERROR);
    }

    Recorder recorder;
    auto options = TestOptions(cluster_, "dlq-fail-group");
    options.dlq_producer.delivery_timeout = 300ms;
    Runner runner(options, registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        recorder.Add(e, d);
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] {
        return MetricValue(*registry_, "cosmic_produce_errors_total", {{"topic", "job-lifecycle.dlq"}}) >= 2;
    })) << "two dead-letter rounds failed";
    // Auto-commit runs every 100 ms and a failed round takes 300 ms: had the offset been stored,
    // it would be committed by now.
    const auto committed = cluster_.CommittedOffsets("dlq-fail-group", kLifecycle);
    EXPECT_LE(committed.count(0) ? committed.at(0) : -1, bad.offset) << "offset moved past an undelivered dead letter";
    EXPECT_EQ(recorder.Count(), 0u) << "the next record must wait behind the dead letter";

    for (int p = 0; p < kLifecyclePartitions; ++p) {
        cluster_.SetPartitionLeader(kLifecycleDlq, p, 1);
    }
    ASSERT_TRUE(WaitUntil([&] { return recorder.Count() == 1; }));
    runner.Stop(10s);
    const auto dead = cluster_.ConsumeToEnd(kLifecycleDlq);
    ASSERT_GE(dead.size(), 1u);
    for (const auto& record : dead) {
        EXPECT_EQ(record.value, "{broken");
        EXPECT_EQ(record.Header("dlq.original.offset"), std::to_string(bad.offset));
    }
    ExpectCommittedToEnd(cluster_, "dlq-fail-group", kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerFaultTest, BrokersDownAndUpLoseNothing) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    for (int i = 0; i < 100; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 17), Marker(i));
    Recorder recorder;
    Runner runner(TestOptions(cluster_, "outage-group"), registry_);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        recorder.Add(e, d);
        return Outcome::kOk;
    });
    runner.Start();
    ASSERT_TRUE(WaitUntil([&] { return recorder.Count() >= 100; }));
    for (int broker = 1; broker <= 3; ++broker) cluster_.SetBrokerDown(broker);
    std::this_thread::sleep_for(1500ms);  // the outage itself, not a synchronisation
    for (int broker = 1; broker <= 3; ++broker) cluster_.SetBrokerUp(broker);
    for (int i = 100; i < 200; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 17), Marker(i));
    ASSERT_TRUE(WaitUntil([&] { return recorder.Markers().size() == 200; }, 60s)) << recorder.Markers().size();
    EXPECT_TRUE(runner.Stop(10s));
    ExpectCommittedToEnd(cluster_, "outage-group", kLifecycle, kLifecyclePartitions);
}

class RunnerRebalanceTest : public RunnerFaultTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(RunnerRebalanceTest, SecondMemberTakesPartitionsAndNothingIsLost) {
    const std::string group = std::string("rebalance-") + GetParam();
    for (int i = 0; i < 200; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 23), Marker(i));
    Recorder seen_a;
    Recorder seen_b;
    auto options = TestOptions(cluster_, group);
    options.assignment_strategy = GetParam();
    auto handler = [](Recorder& recorder) {
        return [&recorder](const schema::Event& e, const Delivery& d) {
            recorder.Add(e, d);
            return Outcome::kOk;
        };
    };
    Runner a(options, std::make_shared<prometheus::Registry>());
    a.On("*", handler(seen_a));
    a.Start();
    ASSERT_TRUE(WaitUntil([&] { return seen_a.Count() >= 50; }));
    Runner b(options, std::make_shared<prometheus::Registry>());
    b.On("*", handler(seen_b));
    b.Start();
    ASSERT_TRUE(WaitUntil([&] {
        const auto pa = a.Assignment();
        const auto pb = b.Assignment();
        return !pa.empty() && !pb.empty() && pa.size() + pb.size() == static_cast<std::size_t>(kLifecyclePartitions);
    })) << "a has "
        << a.Assignment().size() << ", b has " << b.Assignment().size();
    const auto pa = a.Assignment();
    for (const auto& partition : b.Assignment()) {
        EXPECT_EQ(std::count(pa.begin(), pa.end(), partition), 0) << "partition owned twice";
    }
    for (int i = 200; i < 400; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 23), Marker(i));
    ASSERT_TRUE(WaitUntil([&] {
        auto all = seen_a.Markers();
        all.merge(seen_b.Markers());
        return all.size() == 400;
    }));
    EXPECT_GT(seen_b.Count(), 0u);
    // A rolling restart: b leaves, a takes its partitions back, then a stops too.
    EXPECT_TRUE(b.Stop(10s));
    ASSERT_TRUE(WaitUntil([&] { return a.Assignment().size() == static_cast<std::size_t>(kLifecyclePartitions); }));
    // Taking the partitions back does not mean a has caught up: in an eager rebalance a's commit
    // on revoke can be refused (the mock's coordinator answers REBALANCE_IN_PROGRESS), so a reads
    // again from the last auto-commit. Stopping it before it re-handled those records would leave
    // them uncommitted, which is at-least-once working as designed, not a loss.
    EXPECT_TRUE(WaitUntil([&] { return CommittedToEnd(cluster_, group, kLifecycle, kLifecyclePartitions); }, 60s))
        << "a never committed the records it read again after the rebalance";
    EXPECT_TRUE(a.Stop(10s));
    ExpectCommittedToEnd(cluster_, group, kLifecycle, kLifecyclePartitions);
}

INSTANTIATE_TEST_SUITE_P(Strategies, RunnerRebalanceTest, ::testing::Values("cooperative-sticky", "range"),
                         [](const auto& info) { return std::string(info.param).substr(0, 5); });

TEST_F(RunnerFaultTest, StopCommitsLeavesAndTheNextMemberContinuesWhereItStopped) {
    for (int i = 0; i < 60; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 7), Marker(i));
    Recorder first;
    auto options = TestOptions(cluster_, "handover-group");
    {
        Runner runner(options, registry_);
        runner.On("*", [&](const schema::Event& e, const Delivery& d) {
            first.Add(e, d);
            return Outcome::kOk;
        });
        runner.Start();
        ASSERT_TRUE(WaitUntil([&] { return first.Count() == 60; }));
        EXPECT_TRUE(runner.Stop(5s)) << "stop must finish (commit, leave, flush) within the deadline";
        EXPECT_TRUE(runner.Stop(5s)) << "a second Stop is a no-op";
    }
    ExpectCommittedToEnd(cluster_, "handover-group", kLifecycle, kLifecyclePartitions);

    for (int i = 60; i < 70; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 7), Marker(i));
    Recorder second;
    Runner next(options, std::make_shared<prometheus::Registry>());
    next.On("*", [&](const schema::Event& e, const Delivery& d) {
        second.Add(e, d);
        return Outcome::kOk;
    });
    next.Start();
    ASSERT_TRUE(WaitUntil([&] { return second.Count() >= 10; }));
    EXPECT_EQ(next.Assignment().size(), static_cast<std::size_t>(kLifecyclePartitions));
    next.Stop(10s);
    std::set<std::string> expected;
    for (int i = 60; i < 70; ++i) expected.insert(Marker(i));
    EXPECT_EQ(second.Markers(), expected) << "the next member starts exactly at the committed offsets";
    EXPECT_EQ(second.Count(), 10u);
}

// ---- at-least-once across SIGKILL ----
// The parent test runs this same binary as a child consumer (the test below, which skips unless
// the environment says it is the child), kills it mid-stream, and checks the committed offsets.

constexpr const char* kChildBootstrap = "COSMIC_RUNNER_CHILD_BOOTSTRAP";
constexpr const char* kChildGroup = "COSMIC_RUNNER_CHILD_GROUP";
constexpr const char* kChildLog = "COSMIC_RUNNER_CHILD_LOG";
/// The child's session: short on the mock; a real broker refuses less than 6 s by default.
constexpr const char* kChildSessionMs = "COSMIC_RUNNER_CHILD_SESSION_MS";

TEST(RunnerChildProcess, ConsumeUntilKilled) {
    const char* bootstrap = std::getenv(kChildBootstrap);
    const char* group = std::getenv(kChildGroup);
    const char* log_path = std::getenv(kChildLog);
    const char* session_ms = std::getenv(kChildSessionMs);
    if (bootstrap == nullptr || group == nullptr || log_path == nullptr || session_ms == nullptr) {
        GTEST_SKIP() << "runs only as the child of RunnerFaultTest.KilledMemberLosesNothing";
    }
    const std::string max_poll_ms = std::to_string(std::stoi(session_ms) + 2000);
    const int log = ::open(log_path, O_WRONLY | O_APPEND | O_CREAT, 0600);
    ASSERT_GE(log, 0);
    RunnerOptions options;
    options.group_id = group;
    options.topics = {std::string(kLifecycle)};
    options.client.properties = {{"bootstrap.servers", bootstrap},
                                 {"auto.commit.interval.ms", "100"},
                                 {"session.timeout.ms", session_ms},
                                 {"heartbeat.interval.ms", "300"},
                                 {"max.poll.interval.ms", max_poll_ms}};
    options.fetch_wait_max = 10ms;
    options.statistics_interval = 0ms;
    Runner runner(options, nullptr);
    runner.On("*", [&](const schema::Event& e, const Delivery& d) {
        // Simulated work, so the kill lands mid-stream; one line per handled record.
        std::this_thread::sleep_for(2ms);
        const std::string line =
            std::to_string(d.partition) + " " + std::to_string(d.offset) + " " + e.correlation_id + "\n";
        EXPECT_EQ(::write(log, line.data(), line.size()), static_cast<ssize_t>(line.size()));
        return Outcome::kOk;
    });
    runner.Start();
    for (;;) std::this_thread::sleep_for(1s);  // until SIGKILL
}

struct Handled {
    std::map<std::int32_t, std::set<std::int64_t>> offsets;
    std::set<std::string> markers;
};

Handled ReadChildLog(const std::string& path) {
    Handled handled;
    std::ifstream in(path);
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::string marker;
    while (in >> partition >> offset >> marker) {
        handled.offsets[partition].insert(offset);
        handled.markers.insert(marker);
    }
    return handled;
}

TEST_F(RunnerFaultTest, KilledMemberLosesNothingAndOnlyUncommittedRecordsComeAgain) {
    constexpr int kRecords = 400;
    for (int i = 0; i < kRecords; ++i) ProduceEvent(cluster_, "job-" + std::to_string(i % 31), Marker(i));
    const std::string group = "killed-group";
    const cosmic::testing::TempDir dir("cosmic-runner-child");
    const std::string log_path = dir.File("handled.log");

    // The child is this test binary running only RunnerChildProcess.ConsumeUntilKilled.
    cosmic::testing::ProcessOptions process;
    process.binary = "/proc/self/exe";
    process.args = {"--gtest_filter=RunnerChildProcess.ConsumeUntilKilled"};
    process.inherit_environment = true;
    process.env = {{kChildBootstrap, cluster_.Bootstraps()},
                   {kChildGroup, group},
                   {kChildLog, log_path},
                   {kChildSessionMs, cluster_.SupportsFaultInjection() ? "4000" : "6000"}};
    process.stdout_path = dir.File("child.out");
    cosmic::testing::ChildProcess child(process);

    const bool mid_stream = WaitUntil([&] {
        const auto handled = ReadChildLog(log_path);
        return handled.markers.size() >= kRecords / 3;
    });
    const int status = child.Kill();
    ASSERT_TRUE(mid_stream) << "the child never got going:\n" << cosmic::testing::ReadFile(dir.File("child.out"));
    ASSERT_EQ(status, 128 + SIGKILL);
    const Handled by_child = ReadChildLog(log_path);
    ASSERT_LT(by_child.markers.size(), static_cast<std::size_t>(kRecords)) << "killed too late to prove anything";
    RecordProperty("handled_by_killed_member", static_cast<int>(by_child.markers.size()));

    // Committed means handled: every offset below a committed one was handled by the child.
    // Offsets start at the low watermark (above 0 on a real cluster the fixture emptied).
    const auto committed = cluster_.CommittedOffsets(group, kLifecycle);
    std::map<std::int32_t, std::int64_t> first_offset;
    for (int p = 0; p < kLifecyclePartitions; ++p) first_offset[p] = cluster_.Watermarks(kLifecycle, p).first;
    for (const auto& [partition, next] : committed) {
        for (std::int64_t offset = first_offset[partition]; offset < next; ++offset) {
            ASSERT_EQ(by_child.offsets.count(partition) ? by_child.offsets.at(partition).count(offset) : 0u, 1u)
                << "partition " << partition << " offset " << offset << " committed but never handled";
        }
    }

    // The survivor takes over after the dead member's session expires: it reads exactly from
    // the committed offsets, so duplicates are only records handled but not yet committed.
    std::mutex mutex;
    std::map<std::int32_t, std::set<std::int64_t>> by_next;
    std::set<std::string> markers = by_child.markers;
    auto options = TestOptions(cluster_, group);
    Runner next(options, registry_);
    next.On("*", [&](const schema::Event& e, const Delivery& d) {
        std::lock_guard lock(mutex);
        by_next[d.partition].insert(d.offset);
        markers.insert(e.correlation_id);
        return Outcome::kOk;
    });
    next.Start();
    ASSERT_TRUE(WaitUntil(
        [&] {
            std::lock_guard lock(mutex);
            return markers.size() == static_cast<std::size_t>(kRecords);
        },
        60s))
        << "records lost";
    next.Stop(10s);
    std::lock_guard lock(mutex);
    std::size_t again = 0;
    for (const auto& [partition, offsets] : by_next) {
        for (std::int64_t offset : offsets) {
            again += by_child.offsets.count(partition) ? by_child.offsets.at(partition).count(offset) : 0;
        }
    }
    RecordProperty("handled_again_after_kill", static_cast<int>(again));
    for (const auto& [partition, offsets] : by_next) {
        // A commit below the first offset (left by an earlier run on a real cluster whose records
        // the fixture deleted) is out of range: the group starts at the first offset.
        const std::int64_t start =
            std::max(committed.count(partition) ? committed.at(partition) : -1, first_offset[partition]);
        if (cluster_.SupportsFaultInjection()) {
            EXPECT_EQ(*offsets.begin(), start)
                << "partition " << partition << " did not resume at its committed offset";
            continue;
        }
        // A real broker may still apply a commit the child sent just before the SIGKILL after the
        // read above, so the survivor can start a little later than `start` — but never before
        // it, and never past a record the child did not handle.
        const std::int64_t resumed = *offsets.begin();
        EXPECT_GE(resumed, start) << "partition " << partition << " resumed before its committed offset";
        for (std::int64_t offset = start; offset < resumed; ++offset) {
            ASSERT_EQ(by_child.offsets.count(partition) ? by_child.offsets.at(partition).count(offset) : 0u, 1u)
                << "partition " << partition << " offset " << offset
                << " skipped: neither member handled it (committed at the kill " << start << ", resumed at " << resumed
                << ", first offset " << first_offset[partition] << ", the child handled "
                << (by_child.offsets.count(partition) ? by_child.offsets.at(partition).size() : 0u) << " records from "
                << (by_child.offsets.count(partition) ? *by_child.offsets.at(partition).begin() : -1) << " to "
                << (by_child.offsets.count(partition) ? *by_child.offsets.at(partition).rbegin() : -1) << ")";
        }
    }
    ExpectCommittedToEnd(cluster_, group, kLifecycle, kLifecyclePartitions);
}

TEST_F(RunnerFaultTest, ReadinessDetailNamesTheLastKafkaErrorUntilAssigned) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    for (int broker = 1; broker <= 3; ++broker) cluster_.SetBrokerDown(broker);
    Runner runner(TestOptions(cluster_, "readiness-group"), registry_);
    runner.On("*", [](const schema::Event&, const Delivery&) { return Outcome::kOk; });
    runner.Start();
    std::string detail;
    ASSERT_TRUE(WaitUntil([&] {
        detail = runner.ReadinessDetail();
        return detail.find("last Kafka error: ") != std::string::npos;
    })) << detail;
    EXPECT_FALSE(runner.Ready());
    EXPECT_TRUE(detail.starts_with("waiting for a group assignment; last Kafka error: _")) << detail;

    for (int broker = 1; broker <= 3; ++broker) cluster_.SetBrokerUp(broker);
    ASSERT_TRUE(WaitUntil([&] { return runner.Ready(); }, 60s));
    EXPECT_EQ(runner.ReadinessDetail(), "group readiness-group assigned");
    EXPECT_TRUE(runner.Stop(10s));
}

}  // namespace
}  // namespace cosmic::kafka::test
