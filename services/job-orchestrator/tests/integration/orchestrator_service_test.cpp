#include "cosmic/job_orchestrator/orchestrator_service.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cosmic/schema/writer.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/wait.hpp"
#include "kafka_checks.hpp"
#include "service_harness.hpp"

namespace cosmic::orchestrator {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::seconds;
using testing::PendingRows;
using testing::RunningService;
using testing::ServiceEnv;
using testing::TempDir;

std::string JobIdOf(const cosmic::testing::HttpResponse& reply) {
    simdjson::dom::parser parser;
    std::string_view id;
    if (parser.parse(reply.body).at_key("job_id").get_string().get(id) != simdjson::SUCCESS) {
        ADD_FAILURE() << "no job_id in " << reply.status << " " << reply.body;
    }
    return std::string(id);
}

std::int64_t Count(JobStore& store, JobState state) { return store.CountByState()[static_cast<std::size_t>(state)]; }

bool AllFinished(JobStore& store, std::int64_t jobs) {
    return Count(store, JobState::kCompleted) + Count(store, JobState::kFailed) + Count(store, JobState::kCancelled) ==
           jobs;
}

class OrchestratorServiceTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    TempDir dir_;
};

TEST_F(OrchestratorServiceTest, EventsWrittenWhileTheRelayWasStoppedArriveExactlyOnceAfterARestart) {
    constexpr int kJobs = 40;
    std::vector<OutboxRow> rows;
    {
        RunningService first(ServiceEnv(
            cluster_, dir_, {{"COSMIC_OUTBOX_RELAY_ENABLED", "false"}, {"COSMIC_CONSUMER_ENABLED", "false"}}));
        for (int i = 0; i < kJobs; ++i) {
            ASSERT_EQ(first.Call("POST", "/api/v1/jobs", R"({"name":"n","kind":"k"})").status, 202);
        }
        ASSERT_TRUE(WaitUntil([&] { return AllFinished(first.Service().Store(), kJobs); }, seconds(60)));
        first.Stop();
        rows = PendingRows(first.Service().Store());
    }
    ASSERT_GE(rows.size(), static_cast<std::size_t>(kJobs) * 8);
    std::size_t lifecycle = 0;
    std::size_t audit = 0;
    std::size_t metrics = 0;
    for (const auto& row : rows) {
        lifecycle += row.topic == "job-lifecycle";
        audit += row.topic == "audit-trail";
        metrics += row.topic == "job-metrics";
    }
    {
        RunningService second(
            ServiceEnv(cluster_, dir_, {{"COSMIC_EXECUTOR_ENABLED", "false"}, {"COSMIC_CONSUMER_ENABLED", "false"}}));
        ASSERT_TRUE(WaitUntil([&] { return second.Service().Store().Outbox().pending == 0; }, seconds(60)));
    }
    auto landed = testing::Parse(cluster_.ConsumeAll("job-lifecycle", lifecycle));
    auto audits = testing::Parse(cluster_.ConsumeAll("audit-trail", audit));
    auto samples = testing::Parse(cluster_.ConsumeAll("job-metrics", metrics));
    landed.insert(landed.end(), audits.begin(), audits.end());
    landed.insert(landed.end(), samples.begin(), samples.end());
    // Nothing missing, nothing twice, nothing extra.
    const auto counts = testing::CountIds(landed);
    EXPECT_EQ(testing::Duplicates(counts), 0);
    EXPECT_EQ(counts.size(), rows.size());
    for (const auto& row : rows) EXPECT_EQ(counts.count(row.event_id), 1u) << row.event_id;
    const auto by_job = testing::LifecycleByJob(landed);
    EXPECT_EQ(by_job.size(), static_cast<std::size_t>(kJobs));
    for (const auto& [job, types] : by_job) {
        EXPECT_EQ(types.size(), 4u) << job;
        EXPECT_TRUE(testing::FollowsStateMachine(types)) << job;
    }
}

TEST_F(OrchestratorServiceTest, SubmitsAreAcceptedWhileKafkaIsDownAndPublishedWhenItReturns) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    RunningService service(
        ServiceEnv(cluster_, dir_, {{"COSMIC_EXECUTOR_ENABLED", "false"}, {"COSMIC_CONSUMER_ENABLED", "false"}}));
    for (int b = 1; b <= 3; ++b) cluster_.SetBrokerDown(b);
    std::vector<std::string> ids;
    for (int i = 0; i < 10; ++i) {
        const auto reply = service.Call("POST", "/api/v1/jobs", R"({"name":"offline","kind":"k"})");
        ASSERT_EQ(reply.status, 202) << reply.body;
        ids.push_back(JobIdOf(reply));
    }
    EXPECT_EQ(service.Service().Store().Outbox().pending, 40);
    for (int b = 1; b <= 3; ++b) cluster_.SetBrokerUp(b);
    ASSERT_TRUE(WaitUntil([&] { return service.Service().Store().Outbox().pending == 0; }, seconds(60)));
    const auto by_job = testing::LifecycleByJob(testing::Parse(cluster_.ConsumeAll("job-lifecycle", 20)));
    ASSERT_EQ(by_job.size(), ids.size());
    for (const std::string& id : ids) {
        EXPECT_EQ(by_job.at(id), (std::vector<std::string>{"job.submitted", "job.queued"}));
    }
}

TEST_F(OrchestratorServiceTest, EveryJobsLifecycleEventsArriveInOrderWithItsIds) {
    constexpr int kJobs = 30;
    RunningService service(ServiceEnv(cluster_, dir_, {{"COSMIC_CONSUMER_ENABLED", "false"}}));
    std::map<std::string, std::string> correlation;
    for (int i = 0; i < kJobs; ++i) {
        const std::string corr = "corr-" + std::to_string(i);
        const auto reply = service.Call(
            "POST", "/api/v1/jobs", R"({"name":"n","kind":"k"})", testing::kUserToken,
            {"X-Correlation-Id: " + corr, "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"});
        ASSERT_EQ(reply.status, 202);
        correlation[JobIdOf(reply)] = corr;
    }
    ASSERT_TRUE(WaitUntil([&] { return AllFinished(service.Service().Store(), kJobs); }, seconds(60)));
    ASSERT_TRUE(WaitUntil([&] { return service.Service().Store().Outbox().pending == 0; }, seconds(60)));
    const auto landed = testing::Parse(cluster_.ConsumeAll("job-lifecycle", kJobs * 4));
    const auto by_job = testing::LifecycleByJob(landed);
    ASSERT_EQ(by_job.size(), static_cast<std::size_t>(kJobs));
    for (const auto& [job, types] : by_job) {
        ASSERT_EQ(types.size(), 4u) << job;
        EXPECT_TRUE(testing::FollowsStateMachine(types)) << job;
    }
    for (const auto& l : landed) {
        EXPECT_EQ(l.event.user_id, "u1");
        EXPECT_EQ(l.event.correlation_id, correlation.at(l.event.job_id));
        const auto traceparent = l.record.Header("traceparent");
        ASSERT_TRUE(traceparent);
        EXPECT_EQ(traceparent->substr(3, 32), "4bf92f3577b34da6a3ce929d0e0e4736");  // the caller's trace continues
        if (l.event.event_type == "job.completed") {
            EXPECT_TRUE(l.event.execution_time_ms);
        }
        if (l.event.event_type == "job.failed") {
            EXPECT_FALSE(l.event.error.empty());
        }
    }
    // Samples were published for the jobs, each with its job id as key.
    const auto samples = testing::Parse(cluster_.ConsumeAll("job-metrics", kJobs));
    ASSERT_GE(samples.size(), static_cast<std::size_t>(kJobs));
    for (const auto& s : samples) EXPECT_EQ(s.record.key.value_or(""), s.event.job_id);
}

TEST_F(OrchestratorServiceTest, JobCommandsGoThroughTheStateMachineAndBadOnesToTheDlq) {
    RunningService service(ServiceEnv(cluster_, dir_, {{"COSMIC_EXECUTOR_ENABLED", "false"}}));
    ASSERT_TRUE(WaitUntil(
        [&] { return cosmic::testing::HttpClient(service.Runtime().HttpPort()).Get("/readyz").status == 200; },
        seconds(60)));
    auto command = [&](const std::string& type, const std::string& job, const std::string& payload,
                       const std::string& user = "u7") {
        schema::Event event = schema::NewEvent(schema::TopicId::kJobCommands, type, "executor-1");
        event.job_id = job;
        event.user_id = user;
        event.correlation_id = "corr-" + job;
        event.payload = payload;
        cluster_.Produce(
            "job-commands", job, schema::Serialize(event),
            {{"event_type", type}, {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}});
    };
    command("command.submit", "cmd-job-1", R"({"name":"from kafka","kind":"imaging","priority":3})");
    command("command.report", "cmd-job-1", R"({"status":"running"})");
    command("command.report", "cmd-job-1", R"({"status":"completed","execution_time_ms":4321})");
    command("command.submit", "cmd-job-2", R"({"name":"to cancel","kind":"imaging"})");
    command("command.cancel", "cmd-job-2", R"({"reason":"no longer needed"})");
    cluster_.Produce("job-commands", "garbage", "{this is not json", {});
    command("command.report", "no-such-job", R"({"status":"running"})");

    JobStore& store = service.Service().Store();
    ASSERT_TRUE(WaitUntil(
        [&] {
            const auto one = store.Get("cmd-job-1");
            const auto two = store.Get("cmd-job-2");
            return one && one->state == JobState::kCompleted && two && two->state == JobState::kCancelled;
        },
        seconds(60)));
    EXPECT_EQ(store.Get("cmd-job-1")->user_id, "u7");
    EXPECT_EQ(store.Get("cmd-job-1")->execution_time_ms, 4321);
    EXPECT_EQ(store.Get("cmd-job-2")->reason, "no longer needed");

    const auto dead = cluster_.ConsumeAll("job-commands.dlq", 2);
    ASSERT_EQ(dead.size(), 2u);
    std::set<std::string> keys;
    for (const auto& record : dead) {
        keys.insert(record.key.value_or(""));
        EXPECT_EQ(record.Header("dlq.original.topic"), "job-commands");
        EXPECT_EQ(record.Header("dlq.consumer.group"), "job-orchestrator-group");
        EXPECT_TRUE(record.Header("dlq.error.message"));
    }
    EXPECT_EQ(keys, (std::set<std::string>{"garbage", "no-such-job"}));

    ASSERT_TRUE(WaitUntil([&] { return store.Outbox().pending == 0; }, seconds(60)));
    const auto by_job = testing::LifecycleByJob(testing::Parse(cluster_.ConsumeAll("job-lifecycle", 7)));
    EXPECT_EQ(by_job.at("cmd-job-1"),
              (std::vector<std::string>{"job.submitted", "job.queued", "job.running", "job.completed"}));
    EXPECT_EQ(by_job.at("cmd-job-2"), (std::vector<std::string>{"job.submitted", "job.queued", "job.cancelled"}));
}

TEST_F(OrchestratorServiceTest, HeartbeatsCarryTheOutboxBacklogAndJobCounts) {
    RunningService service(
        ServiceEnv(cluster_, dir_, {{"COSMIC_EXECUTOR_ENABLED", "false"}, {"COSMIC_CONSUMER_ENABLED", "false"}}));
    ASSERT_EQ(service.Call("POST", "/api/v1/jobs", R"({"name":"n","kind":"k"})").status, 202);
    bool seen = false;
    ASSERT_TRUE(WaitUntil(
        [&] {
            for (const auto& l : testing::Parse(cluster_.ConsumeToEnd("system-health"))) {
                if (l.event.component_id == "orch-test" &&
                    l.event.metrics.find(R"("jobs_queued":1)") != std::string::npos) {
                    EXPECT_EQ(l.event.event_type, "health.heartbeat");
                    EXPECT_NE(l.event.metrics.find("outbox_backlog"), std::string::npos);
                    seen = true;
                }
            }
            return seen;
        },
        seconds(60)));
}

TEST_F(OrchestratorServiceTest, MetricsEndpointShowsJobsOutboxAndTransitions) {
    RunningService service(ServiceEnv(cluster_, dir_, {{"COSMIC_CONSUMER_ENABLED", "false"}}));
    ASSERT_EQ(service.Call("POST", "/api/v1/jobs", R"({"name":"n","kind":"k"})").status, 202);
    const std::string url = "http://127.0.0.1:" + std::to_string(service.Runtime().HttpPort()) + "/metrics";
    ASSERT_TRUE(WaitUntil(
        [&] {
            const std::string body = cosmic::testing::HttpCall(url).body;
            return body.find("cosmic_orchestrator_transitions_total{from=\"submitted\",to=\"queued\"} 1") !=
                       std::string::npos &&
                   body.find("cosmic_outbox_published_total") != std::string::npos &&
                   body.find("cosmic_outbox_publish_latency_seconds_count") != std::string::npos &&
                   body.find("cosmic_orchestrator_jobs{status=\"completed\"}") != std::string::npos &&
                   body.find("cosmic_outbox_oldest_pending_age_seconds") != std::string::npos;
        },
        seconds(30)));
}

}  // namespace
}  // namespace cosmic::orchestrator
