// The PostgreSQL job store: the shared store suite on both backends, and orchestrator replicas
// sharing one database (exactly-once publishing in per-job order, idempotency keys, a server
// restart under load). Needs Debian's postgresql package: without it these tests fail saying so.
#include "cosmic/job_orchestrator/store/pg_job_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../job_store_suite.hpp"
#include "../unit/test_support.hpp"
#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/outbox_relay.hpp"
#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/postgres_server.hpp"
#include "cosmic/testing/wait.hpp"
#include "kafka_checks.hpp"

namespace cosmic::orchestrator {
namespace {

using cosmic::testing::PostgresServer;
using cosmic::testing::WaitUntil;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::JobStoreSuite;
using testing::MakeSubmit;
using testing::UserContext;

/// One server per test process (ctest runs each test in its own process), a database per test.
PostgresServer& Server() {
    static PostgresServer server;
    return server;
}

std::string FreshDatabase() {
    static int counter = 0;
    const std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::string name = "jobs_" + std::to_string(++counter);
    for (char c : test) name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    return Server().CreateDatabase(name.substr(0, 60));
}

std::unique_ptr<PgJobStore> OpenPg(const std::string& url, const std::string& instance = "test") {
    PgStoreOptions options;
    options.url = url;
    options.pool_size = 4;
    options.instance_id = instance;
    return std::make_unique<PgJobStore>(options);
}

class PgBackend final : public testing::StoreBackend {
  public:
    PgBackend() : url_(FreshDatabase()) {}
    std::unique_ptr<JobStore> Open() override { return OpenPg(url_); }

  private:
    std::string url_;
};

class SqliteBackend final : public testing::StoreBackend {
  public:
    std::unique_ptr<JobStore> Open() override { return testing::OpenStore(dir_); }

  private:
    testing::TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(
    Backends, JobStoreSuite,
    ::testing::Values(
        testing::BackendParam{"sqlite",
                              [] { return std::unique_ptr<testing::StoreBackend>(std::make_unique<SqliteBackend>()); }},
        testing::BackendParam{"postgresql",
                              [] { return std::unique_ptr<testing::StoreBackend>(std::make_unique<PgBackend>()); }}),
    testing::BackendName);

/// An orchestrator replica as far as the outbox goes: its own store (pool), service, producer
/// and relay, on the shared database.
struct Replica {
    Replica(const std::string& url, const std::string& name, kafka::testing::EmbeddedCluster& cluster)
        : store(OpenPg(url, name)), jobs(*store, JobServiceHooks{}) {
        kafka::ProducerOptions options;
        options.client_id = name;
        options.delivery_timeout = seconds(60);
        options.linger = milliseconds(2);
        producer = std::make_unique<kafka::Producer>(cluster.ClientConfig(), options, nullptr);
        relay = std::make_unique<OutboxRelay>(*store, *producer,
                                              RelayOptions{50, 200, milliseconds(50), milliseconds(100)});
    }

    std::unique_ptr<PgJobStore> store;
    JobService jobs;
    std::unique_ptr<kafka::Producer> producer;
    std::unique_ptr<OutboxRelay> relay;
};

class PgReplicasTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    void SetUp() override { url_ = FreshDatabase(); }

    /// Submits and runs `count` jobs through `first` and finishes them through `second`, so a job's
    /// events are written by both replicas.
    static void RunJobs(Replica& first, Replica& second, int count, const std::string& prefix,
                        std::vector<std::string>& ids, std::mutex& mutex) {
        for (int i = 0; i < count; ++i) {
            const std::string id =
                first.jobs.Submit(MakeSubmit(prefix + std::to_string(i)), UserContext("u" + std::to_string(i % 3)))
                    .job.job_id;
            first.jobs.Start(id, kExternalExecutor, UserContext("admin", true));
            first.relay->Notify();
            second.jobs.Complete(id, 7, UserContext("admin", true));
            second.relay->Notify();
            std::lock_guard lock(mutex);
            ids.push_back(id);
        }
    }

    std::vector<testing::Landed> Landed(std::size_t lifecycle, std::size_t audit) {
        std::vector<testing::Landed> all = testing::Parse(cluster_.ConsumeAll("job-lifecycle", lifecycle));
        auto audits = testing::Parse(cluster_.ConsumeAll("audit-trail", audit));
        all.insert(all.end(), audits.begin(), audits.end());
        return all;
    }

    std::string url_;
};

TEST_F(PgReplicasTest, TwoReplicasPublishEveryEventExactlyOnceInPerJobOrder) {
    Replica a(url_, "replica-a", cluster_);
    Replica b(url_, "replica-b", cluster_);
    a.relay->Start();
    b.relay->Start();
    std::vector<std::string> ids;
    std::mutex mutex;
    constexpr int kPerThread = 25;
    std::vector<std::thread> writers;
    writers.emplace_back([&] { RunJobs(a, b, kPerThread, "ab", ids, mutex); });
    writers.emplace_back([&] { RunJobs(b, a, kPerThread, "ba", ids, mutex); });
    writers.emplace_back([&] { RunJobs(a, a, kPerThread, "aa", ids, mutex); });
    writers.emplace_back([&] { RunJobs(b, b, kPerThread, "bb", ids, mutex); });
    for (std::thread& writer : writers) writer.join();
    ASSERT_EQ(ids.size(), 4u * kPerThread);
    // 4 lifecycle events (submitted, queued, running, completed) and 4 audit events per job.
    const std::size_t events = ids.size() * 8;
    ASSERT_TRUE(WaitUntil([&] { return a.store->Outbox().pending == 0; }, seconds(90)))
        << a.store->Outbox().pending << " rows still pending";
    a.relay->Stop(std::chrono::steady_clock::now() + seconds(10));
    b.relay->Stop(std::chrono::steady_clock::now() + seconds(10));
    EXPECT_EQ(a.relay->Stats().published + b.relay->Stats().published, events);
    // Both replicas took part: the work is shared, not failed over.
    EXPECT_GT(a.relay->Stats().published, 0u);
    EXPECT_GT(b.relay->Stats().published, 0u);

    const auto landed = Landed(events / 2, events / 2);
    const auto counts = testing::CountIds(landed);
    EXPECT_EQ(counts.size(), events);
    EXPECT_EQ(testing::Duplicates(counts), 0);
    const auto by_job = testing::LifecycleByJob(landed);
    ASSERT_EQ(by_job.size(), ids.size());
    for (const auto& [job, types] : by_job) {
        ASSERT_EQ(types.size(), 4u) << job;
        EXPECT_TRUE(testing::FollowsStateMachine(types)) << job;
    }
}

TEST_F(PgReplicasTest, AnIdempotencyKeyCreatesOneJobAcrossReplicas) {
    auto a = OpenPg(url_, "a");
    auto b = OpenPg(url_, "b");
    JobService on_a(*a, JobServiceHooks{});
    JobService on_b(*b, JobServiceHooks{});
    std::vector<std::string> created(16);
    std::vector<std::thread> clients;
    for (int i = 0; i < 16; ++i) {
        clients.emplace_back([&, i] {
            SubmitRequest request = MakeSubmit("same");
            request.idempotency_key = "key-1";
            JobService& service = i % 2 == 0 ? on_a : on_b;
            created[static_cast<std::size_t>(i)] = service.Submit(request, UserContext("alice")).job.job_id;
        });
    }
    for (std::thread& client : clients) client.join();
    EXPECT_EQ(std::set<std::string>(created.begin(), created.end()).size(), 1u);
    JobQuery query;
    query.limit = 100;
    EXPECT_EQ(a->List(query).jobs.size(), 1u);
    // A job written through one replica is visible through the other.
    EXPECT_TRUE(b->Get(created[0]));
}

TEST_F(PgReplicasTest, AServerRestartMidLoadLosesNothingAndReadinessShowsTheOutage) {
    Replica a(url_, "replica-a", cluster_);
    a.relay->Start();
    std::string detail;
    ASSERT_TRUE(a.store->Ready(detail)) << detail;
    std::vector<std::string> ids;
    std::mutex mutex;
    std::atomic<bool> done{false};
    std::thread writer([&] {
        RunJobs(a, a, 40, "r", ids, mutex);
        done = true;
    });
    ASSERT_TRUE(WaitUntil([&] {
        std::lock_guard lock(mutex);
        return ids.size() >= 5;
    }));
    Server().Stop();
    EXPECT_FALSE(a.store->Ready(detail));
    Server().Start();
    writer.join();
    ASSERT_TRUE(done);
    EXPECT_TRUE(WaitUntil([&] { return a.store->Ready(detail); })) << detail;
    ASSERT_TRUE(WaitUntil([&] { return a.store->Outbox().pending == 0; }, seconds(90)));
    a.relay->Stop(std::chrono::steady_clock::now() + seconds(10));
    const std::size_t events = ids.size() * 8;
    const auto landed = Landed(events / 2, events / 2);
    const auto counts = testing::CountIds(landed);
    // At-least-once across the outage: every event landed; a retry may have repeated one.
    EXPECT_EQ(counts.size(), events);
    for (const std::string& id : ids) {
        const auto job = a.store->Get(id);
        ASSERT_TRUE(job) << id;
        EXPECT_EQ(job->state, JobState::kCompleted) << id;
    }
}

}  // namespace
}  // namespace cosmic::orchestrator
