#include "cosmic/job_orchestrator/outbox_relay.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "../unit/test_support.hpp"
#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/wait.hpp"
#include "kafka_checks.hpp"

namespace cosmic::orchestrator {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::MakeSubmit;
using testing::OpenStore;
using testing::PendingRows;
using testing::TempDir;
using testing::UserContext;

/// A store that forgets to mark rows sent: what a crash between the broker's ack and the
/// mark-sent commit looks like to the next process.
class ForgetfulStore final : public JobStore {
  public:
    explicit ForgetfulStore(JobStore& inner) : inner_(inner) {}
    CreateResult Create(const Job& job, std::string_view key, std::string_view hash,
                        std::span<const OutboxMessage> events) override {
        return inner_.Create(job, key, hash, events);
    }
    UpdateResult Update(std::string_view id, const UpdateDecision& decide) override {
        return inner_.Update(id, decide);
    }
    std::size_t AppendEvents(std::span<const OutboxMessage> events, JobState state) override {
        return inner_.AppendEvents(events, state);
    }
    std::optional<Job> Get(std::string_view id) override { return inner_.Get(id); }
    JobPage List(const JobQuery& query) override { return inner_.List(query); }
    std::vector<Job> NextQueued(std::size_t limit) override { return inner_.NextQueued(limit); }
    std::vector<Job> ListInState(JobState s, std::int64_t after, std::size_t limit) override {
        return inner_.ListInState(s, after, limit);
    }
    JobCounts CountByState() override { return inner_.CountByState(); }
    void ReadPending(std::int64_t after, std::size_t limit, std::vector<OutboxRow>& out) override {
        inner_.ReadPending(after, limit, out);
    }
    void MarkSent(std::span<const std::int64_t> ids, std::int64_t) override { forgotten += ids.size(); }
    OutboxStats Outbox() override { return inner_.Outbox(); }
    PruneResult Prune(const PruneRequest& request) override { return inner_.Prune(request); }

    std::atomic<std::size_t> forgotten{0};

  private:
    JobStore& inner_;
};

class OutboxRelayTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    OutboxRelayTest() : store_(OpenStore(dir_)), jobs_(*store_, JobServiceHooks{}) {}

    std::unique_ptr<kafka::Producer> MakeProducer(milliseconds delivery_timeout = seconds(60)) {
        kafka::ProducerOptions options;
        options.client_id = "relay-test";
        options.delivery_timeout = delivery_timeout;
        options.linger = milliseconds(2);
        return std::make_unique<kafka::Producer>(cluster_.ClientConfig(), options, nullptr);
    }

    /// Jobs through their whole life: submitted, queued, running, completed or failed (+ audit).
    std::vector<std::string> MakeJobs(int count) {
        std::vector<std::string> ids;
        for (int i = 0; i < count; ++i) {
            const std::string id = jobs_.Submit(MakeSubmit(), UserContext("u" + std::to_string(i % 3))).job.job_id;
            jobs_.Start(id, kExternalExecutor, UserContext("u0", true));
            if (i % 4 == 0) {
                jobs_.Fail(id, "boom", "E1", 5, UserContext("u0", true));
            } else {
                jobs_.Complete(id, 7, UserContext("u0", true));
            }
            ids.push_back(id);
        }
        return ids;
    }

    /// Everything on the three topics the outbox feeds.
    std::vector<testing::Landed> Landed(std::size_t lifecycle, std::size_t audit) {
        std::vector<testing::Landed> all = testing::Parse(cluster_.ConsumeAll("job-lifecycle", lifecycle));
        auto audits = testing::Parse(cluster_.ConsumeAll("audit-trail", audit));
        all.insert(all.end(), audits.begin(), audits.end());
        return all;
    }

    TempDir dir_;
    std::unique_ptr<SqliteJobStore> store_;
    JobService jobs_;
};

TEST_F(OutboxRelayTest, PublishesEveryRowOnceInCommitOrderPerJob) {
    const auto ids = MakeJobs(60);
    const auto rows = PendingRows(*store_);
    ASSERT_EQ(rows.size(), 60u * 8);
    auto producer = MakeProducer();
    OutboxRelay relay(*store_, *producer, RelayOptions{50, 120, milliseconds(100), milliseconds(100)});
    relay.Start();
    ASSERT_TRUE(WaitUntil([&] { return store_->Outbox().pending == 0; }, seconds(60)));
    relay.Stop(std::chrono::steady_clock::now() + seconds(10));
    EXPECT_EQ(relay.Stats().published, rows.size());

    const auto landed = Landed(240, 240);
    const auto counts = testing::CountIds(landed);
    EXPECT_EQ(counts.size(), rows.size());
    EXPECT_EQ(testing::Duplicates(counts), 0);
    for (const auto& row : rows) EXPECT_EQ(counts.count(row.event_id), 1u) << row.event_id;
    const auto by_job = testing::LifecycleByJob(landed);
    ASSERT_EQ(by_job.size(), ids.size());
    for (const auto& [job, types] : by_job) {
        ASSERT_EQ(types.size(), 4u) << job;
        EXPECT_TRUE(testing::FollowsStateMachine(types)) << job;
    }
    // The standard headers travel with each record.
    for (const auto& l : landed) {
        EXPECT_EQ(l.record.Header("event_type"), l.event.event_type);
        EXPECT_EQ(l.record.Header("correlation_id"), l.event.correlation_id);
        EXPECT_EQ(l.record.Header("content-type"), "application/json");
        EXPECT_TRUE(l.record.Header("traceparent").has_value());
    }
}

TEST_F(OutboxRelayTest, RowsWrittenWhileKafkaIsDownAreDeliveredWhenItReturns) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    auto producer = MakeProducer();
    OutboxRelay relay(*store_, *producer, RelayOptions{});
    relay.Start();
    for (int b = 1; b <= 3; ++b) cluster_.SetBrokerDown(b);
    const auto ids = MakeJobs(10);
    relay.Notify();
    ASSERT_TRUE(WaitUntil([&] { return relay.Stats().in_flight == 80; }));
    EXPECT_EQ(store_->Outbox().pending, 80);
    for (int b = 1; b <= 3; ++b) cluster_.SetBrokerUp(b);
    ASSERT_TRUE(WaitUntil([&] { return store_->Outbox().pending == 0; }, seconds(60)));
    relay.Stop(std::chrono::steady_clock::now() + seconds(10));
    const auto counts = testing::CountIds(Landed(40, 40));
    EXPECT_EQ(counts.size(), 80u);
    EXPECT_EQ(testing::Duplicates(counts), 0);
}

TEST_F(OutboxRelayTest, FailedDeliveriesAreRetriedFromTheOldestPendingRowKeepingJobOrder) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    auto producer = MakeProducer(milliseconds(1500));
    OutboxRelay relay(*store_, *producer, RelayOptions{10, 40, milliseconds(100), milliseconds(200)});
    for (int b = 1; b <= 3; ++b) cluster_.SetBrokerDown(b);
    relay.Start();
    MakeJobs(15);
    relay.Notify();
    // Every record times out at least once while the brokers are down.
    ASSERT_TRUE(WaitUntil([&] { return relay.Stats().failed >= 40 && relay.Stats().rewinds >= 1; }, seconds(60)));
    EXPECT_EQ(store_->Outbox().pending, 120);
    for (int b = 1; b <= 3; ++b) cluster_.SetBrokerUp(b);
    ASSERT_TRUE(WaitUntil([&] { return store_->Outbox().pending == 0; }, seconds(90)));
    relay.Stop(std::chrono::steady_clock::now() + seconds(10));
    const auto landed = Landed(60, 60);
    const auto counts = testing::CountIds(landed);
    EXPECT_EQ(counts.size(), 120u);
    for (const auto& [job, types] : testing::LifecycleByJob(landed)) {
        // Retries may duplicate a record but never reorder a job's events.
        std::vector<std::string> distinct;
        for (const auto& t : types) {
            if (distinct.empty() || distinct.back() != t) distinct.push_back(t);
        }
        EXPECT_TRUE(testing::FollowsStateMachine(distinct)) << job;
    }
}

TEST_F(OutboxRelayTest, ACrashBeforeMarkSentRepublishesTheSameEventIdsAndLosesNothing) {
    const auto ids = MakeJobs(5);
    const auto rows = PendingRows(*store_);
    {
        ForgetfulStore forgetful(*store_);
        auto producer = MakeProducer();
        OutboxRelay relay(forgetful, *producer, RelayOptions{});
        relay.Start();
        ASSERT_TRUE(WaitUntil([&] { return forgetful.forgotten.load() == rows.size(); }));
        relay.Stop(std::chrono::steady_clock::now() + seconds(10));
    }
    EXPECT_EQ(store_->Outbox().pending, static_cast<std::int64_t>(rows.size()));
    {
        // The "restarted" process: same store file, rows still pending.
        auto producer = MakeProducer();
        OutboxRelay relay(*store_, *producer, RelayOptions{});
        relay.Start();
        ASSERT_TRUE(WaitUntil([&] { return store_->Outbox().pending == 0; }));
        relay.Stop(std::chrono::steady_clock::now() + seconds(10));
    }
    const auto counts = testing::CountIds(Landed(40, 40));
    // At-least-once: every event landed, each exactly twice (same event_id, consumers dedupe).
    ASSERT_EQ(counts.size(), rows.size());
    for (const auto& row : rows) EXPECT_EQ(counts.at(row.event_id), 2) << row.event_id;
    EXPECT_EQ(testing::Duplicates(counts), static_cast<int>(rows.size()));
}

TEST_F(OutboxRelayTest, WithKafkaDisabledRowsAreMarkedSentAndCountedAsSkipped) {
    kafka::ClientConfig disabled;
    disabled.enabled = false;
    kafka::Producer producer(disabled, kafka::ProducerOptions{}, nullptr);
    OutboxRelay relay(*store_, producer, RelayOptions{});
    relay.Start();
    MakeJobs(3);
    relay.Notify();
    ASSERT_TRUE(WaitUntil([&] { return store_->Outbox().pending == 0; }));
    relay.Stop(std::chrono::steady_clock::now());
    EXPECT_EQ(relay.Stats().skipped, 24u);
    EXPECT_EQ(relay.Stats().published, 0u);
}

}  // namespace
}  // namespace cosmic::orchestrator
