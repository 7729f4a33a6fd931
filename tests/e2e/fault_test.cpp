// Faults on the real binaries (label `fault`): crash loops under load, graceful shutdown under
// load, poison input on every consumed topic. Each test is bounded in time and count; each prints
// one "[fault] test | load | faults | lost | duplicated | recovery" line for the report.
// COSMIC_FAULT_SOAK=1 multiplies the loads and kills for a local soak run.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "cosmic/schema/event.hpp"
#include "cosmic/testing/sqlite_query.hpp"
#include "fault_support.hpp"
#include "stack.hpp"
#include "support/broker_control.hpp"
#include "support/json.hpp"
#include "support/metrics_text.hpp"
#include "support/prometheus_text.hpp"
#include "support/topic_reader.hpp"
#include "support/topic_writer.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// kill -9 of audit-consumer `kills` times at random points while `events` audit events are
/// produced; `new_instance` restarts it under a new instance id each time (a rescheduled pod)
/// instead of the same one (a restarted pod). Every event stored exactly once, the chain verifies.
void AuditCrashLoop(const std::string& name, int events, int kills, bool new_instance) {
    const std::string group = "audit-fault-" + std::to_string(::getpid()) + (new_instance ? "-new" : "-same");
    Stack stack(name, AuditOnly(group));
    ASSERT_NO_THROW(stack.StartAll());

    std::string prefix;
    std::thread producer([&] {
        prefix = stack.ProduceEvents({.topic = "audit-trail", .count = events, .jobs = 1000, .rate = 8000});
    });
    CrashLoop loop(stack, stack.Audit(), new_instance, milliseconds(300), milliseconds(1500));
    for (int kill = 0; kill < kills; ++kill) {
        ASSERT_NO_THROW(loop.KillAndRestart());
    }
    producer.join();
    ASSERT_FALSE(prefix.empty());

    const auto rows = WaitAuditStored(loop.Current(), prefix, events, seconds(180));
    const long long recovery = ElapsedMs(loop.LastRestart());
    EXPECT_EQ(rows.second, events) << "distinct events stored";
    EXPECT_EQ(rows.first, rows.second) << "some events stored more than once";
    EXPECT_TRUE(ChainVerifies(loop.Current()));
    ReportLine(name, std::to_string(events) + " audit events at 8k/s", loop.Describe(), events - rows.second,
               rows.first - rows.second, recovery);
    loop.Current().Stop();
}

TEST(FaultE2E, AuditCrashLoopSameInstanceStoresEveryEventOnce) {
    // The dev-broker keeps 5 MiB per partition: 100 000 events would outgrow audit-trail's five
    // partitions before a restarted consumer reads them, so it gets 30 000.
    AuditCrashLoop("fault_audit_same", (Cluster().real ? 100'000 : 30'000) * Soak(), 5 * Soak(), false);
}

TEST(FaultE2E, AuditCrashLoopNewInstanceIdsLosesNothing) {
    AuditCrashLoop("fault_audit_new", 30'000 * Soak(), 3 * Soak(), true);
}

// SIGTERM under load: each consumer exits 0 within its deadline with its offsets committed; after
// the restart audit-consumer meets no record it had already stored, and notification-consumer
// sends nothing twice.
TEST(FaultE2E, GracefulShutdownUnderLoadReprocessesNothing) {
    StackOptions options;
    options.only = {"audit-consumer", "metrics-consumer", "notification-consumer"};
    options.health = false;
    Stack stack("fault_graceful", options);
    ASSERT_NO_THROW(stack.StartAll());

    std::string audit_prefix;
    std::string lifecycle_prefix;
    std::thread audit_load(
        [&] { audit_prefix = stack.ProduceEvents({.topic = "audit-trail", .count = 20'000, .jobs = 500, .rate = 5000}); });
    std::thread lifecycle_load([&] {
        lifecycle_prefix = stack.ProduceEvents(
            {.topic = "job-lifecycle", .count = 200, .jobs = 50, .rate = 50, .failure_percent = 20});
    });
    std::thread metrics_load([&] { stack.ProduceEvents({.topic = "job-metrics", .count = 20'000, .jobs = 200, .rate = 5000}); });

    // Each consumer, one after the other, while the load runs.
    std::map<std::string, long long> stop_ms;
    for (ServiceProcess* service : stack.Services()) {
        ASSERT_TRUE(WaitUntil(
            [&] {
                return SumSamples(HttpClient(service->BaseUrl()).Get("/metrics").body, "cosmic_events_consumed_total") >
                       100;
            },
            seconds(60)))
            << service->Name() << " consumed nothing";
        const auto start = Clock::now();
        EXPECT_EQ(service->Stop(), 0) << service->Name() << " did not exit 0 within its deadline:\n"
                                      << service->LogTail();
        stop_ms[service->Name()] = ElapsedMs(start);
        ASSERT_NO_THROW(service->Start());
    }
    audit_load.join();
    lifecycle_load.join();
    metrics_load.join();

    const auto rows = WaitAuditStored(stack.Audit(), audit_prefix, 20'000);
    EXPECT_EQ(rows.second, 20'000);
    EXPECT_EQ(rows.first, rows.second);
    const std::string audit_metrics = HttpClient(stack.Audit().BaseUrl()).Get("/metrics").body;
    EXPECT_EQ(MetricValue(audit_metrics, R"(cosmic_audit_rows_total{outcome="duplicate"})").value_or(0), 0)
        << "the restarted audit-consumer met records it had stored: offsets were not committed at the stop";
    stack.CheckNotifications(LoadgenFinalStatus(lifecycle_prefix, 50, 20));
    for (const auto& [name, ms] : stop_ms) std::cout << "[fault] graceful stop of " << name << ": " << ms << " ms" << std::endl;
    ReportLine("fault_graceful", "20k audit + 20k metrics + 200 lifecycle events (50 jobs)",
               "SIGTERM + restart of each consumer", 20'000 - rows.second, rows.first - rows.second, 0);
    stack.StopAll();
}

// Poison input on every consumed topic: each record goes to the topic's DLQ (audit-consumer stores
// it flagged invalid), or is processed on its known fields (a newer schema_version); no consumer
// crashes, and the next valid record on the same partitions is handled.
TEST(FaultE2E, PoisonInputOnEveryTopicNeverCrashesOrSticks) {
    StackOptions options;
    options.only = {"audit-consumer", "metrics-consumer", "notification-consumer", "health-monitor"};
    Stack stack("fault_poison", options);
    ASSERT_NO_THROW(stack.StartAll());
    const std::string marker = "poison" + std::to_string(::getpid());

    // A valid envelope of each topic to mutate, read back from what loadgen wrote.
    const std::vector<std::pair<std::string, std::string>> topics = {{"job-lifecycle", "notification-consumer"},
                                                                     {"job-metrics", "metrics-consumer"},
                                                                     {"audit-trail", "audit-consumer"},
                                                                     {"system-health", "health-monitor"}};
    TopicWriter writer(stack.Bootstrap());
    std::map<std::string, int> expected_dead;
    for (const auto& [topic, service] : topics) {
        const std::string sample_prefix = stack.ProduceEvents({.topic = topic, .count = 1, .jobs = 1});
        TopicReader reader(stack.Bootstrap(), topic);
        std::string valid;
        reader.PollUntil(
            [&](const std::vector<TopicRecord>& records) {
                for (const auto& r : records) {
                    if (r.value.find(sample_prefix + "-") != std::string::npos) valid = r.value;
                }
                return !valid.empty();
            },
            seconds(30));
        ASSERT_FALSE(valid.empty()) << "no sample envelope on " << topic;
        const auto replace = [&](std::string text, const std::string& from, const std::string& to) {
            const auto at = text.find(from);
            if (at != std::string::npos) text.replace(at, from.size(), to);
            return text;
        };
        const std::string key = marker + "-" + topic;
        std::string garbage(4096, '\0');
        std::mt19937 random(7);
        for (char& c : garbage) c = static_cast<char>(random() & 0xff);
        const std::string nested = std::string(5000, '[') + std::string(5000, ']');
        const std::string huge = "{\"marker\":\"" + marker + "\",\"pad\":\"" + std::string(900'000, 'x') + "\"}";
        const std::string wrong_types = replace(replace(valid, "\"schema_version\":1", "\"schema_version\":\"one\""),
                                                "\"source\":\"loadgen\"", "\"source\":42");
        const std::string unknown_type =
            replace(valid, "\"event_type\":\"", "\"event_type\":\"job.exploded-") ;
        const std::vector<std::pair<std::optional<std::string>, std::string>> poison = {
            {key, "{\"event_id\": oops " + marker},          // invalid JSON
            {key, "[1,2,3]"},                                 // valid JSON, wrong shape
            {key, wrong_types},                               // wrong types
            {key, huge},                                      // 900 KB value
            {key, garbage},                                   // binary garbage
            {key, ""},                                        // empty value
            {std::nullopt, "{null key " + marker + "}"},      // null key
            {key, unknown_type},                              // unknown event_type
            {key, nested},                                    // deeply nested
        };
        for (const auto& [record_key, value] : poison) writer.Produce(topic, record_key, value);
        expected_dead[topic] = static_cast<int>(poison.size());
        // A newer schema_version is processed on the fields known, not dead-lettered.
        writer.Produce(topic, key, replace(valid, "\"schema_version\":1", "\"schema_version\":99"));
    }
    ASSERT_EQ(writer.Flush(), 0) << "poison records not acknowledged";

    for (const auto& [topic, service] : topics) {
        if (topic == "audit-trail") continue;  // audit keeps everything (checked below)
        TopicReader dlq(stack.Bootstrap(), topic + ".dlq");
        std::size_t dead = 0;
        dlq.PollUntil(
            [&](const std::vector<TopicRecord>& records) {
                dead = std::count_if(records.begin(), records.end(), [&](const TopicRecord& r) {
                    return (r.key && r.key->rfind(marker + "-", 0) == 0) || r.value.find(marker) != std::string::npos;
                });
                return dead >= static_cast<std::size_t>(expected_dead[topic]);
            },
            seconds(60));
        EXPECT_EQ(dead, static_cast<std::size_t>(expected_dead[topic])) << topic << ".dlq";
    }
    // audit-consumer stored the nine flagged invalid.
    const std::string db = (stack.Audit().DataDir() / "audit.db").string();
    std::int64_t invalid = 0;
    EXPECT_TRUE(WaitUntil(
        [&] {
            invalid = cosmic::testing::QueryInt64(db, "SELECT COUNT(*) FROM audit_events WHERE valid = 0");
            return invalid >= expected_dead["audit-trail"];
        },
        seconds(60)))
        << "audit stored " << invalid << " invalid records";

    // Nobody crashed, and each consumer handles valid records after the poison.
    for (ServiceProcess* service : stack.Services()) {
        EXPECT_TRUE(service->Running()) << service->Name() << " died:\n" << service->LogTail();
    }
    const std::string after = stack.ProduceEvents({.topic = "job-metrics", .count = 20, .jobs = 1});
    HttpClient metrics(stack.Metrics().BaseUrl());
    EXPECT_TRUE(WaitUntil(
        [&] {
            const HttpResponse job = metrics.Get("/api/v1/metrics/jobs/" + after + "-0", kUserToken);
            return job.status == 200 && IntField(JsonDoc(job.body).Root(), "samples").value_or(0) == 20;
        },
        seconds(60)));
    const std::string lifecycle_after =
        stack.ProduceEvents({.topic = "job-lifecycle", .count = 4, .jobs = 1, .failure_percent = 0});
    stack.CheckNotifications({{lifecycle_after + "-0", "completed"}});
    ReportLine("fault_poison", "10 poison records x 4 topics", "invalid JSON, wrong shape/types, 900 KB, binary, "
               "empty, null key, unknown type, future version, 5000-deep nesting", 0, 0, 0);
    stack.StopAll();
}

// Full outage: all three brokers down for 20 s while jobs are submitted; the orchestrator's API
// accepts every job throughout (transactional outbox), and after the brokers return every event
// reaches every consumer exactly once (lifecycle, metrics, audit, notifications).
TEST(FaultE2E, FullOutageLosesNothingAndTheApiKeepsAccepting) {
    StackOptions options;
    options.executor = ExecutorSettings{.concurrency = 10,
                                        .duration_min_ms = 500,
                                        .duration_max_ms = 2000,
                                        .metrics_interval_ms = 300,
                                        .failure_rate = 0.1};
    options.health = false;
    options.static_membership = false;  // see StackOptions::static_membership
    Stack stack("fault_outage", options);
    BrokerControl brokers(Cluster(), stack.RunDir() / "broker-control.log");
    ASSERT_NO_THROW(stack.StartAll());
    auto ids = stack.SubmitJobs(10, "before-outage");
    for (const int node : {1, 2, 3}) ASSERT_NO_THROW(brokers.Kill(node));
    const auto down_at = Clock::now();
    // The outage lasts 20 s (its length is the fault, not a synchronisation); jobs keep coming.
    int submitted_during = 0;
    while (ElapsedMs(down_at) < 20'000) {
        const auto more = stack.SubmitJobs(1, "during-outage");
        ids.insert(ids.end(), more.begin(), more.end());
        submitted_during += static_cast<int>(more.size());
        std::this_thread::sleep_for(milliseconds(500));
    }
    EXPECT_GE(submitted_during, 30) << "the API did not accept jobs while Kafka was down";
    const auto restart_at = Clock::now();
    ASSERT_NO_THROW(brokers.RestartAll());
    Stack::RecordTiming("outage_brokers_back", ElapsedMs(restart_at));
    const auto restarted = stack.SuperviseUntilQuiet();
    const FinalStatus jobs = stack.WaitAllTerminal(ids, seconds(180));
    ASSERT_EQ(jobs.size(), ids.size());
    stack.CheckAll(jobs);
    const long long catch_up = ElapsedMs(restart_at);
    Stack::RecordTiming("outage_catch_up", catch_up);
    ReportLine("fault_outage", std::to_string(ids.size()) + " jobs (" + std::to_string(submitted_during) +
                                   " submitted during the outage)",
               "3 of 3 brokers killed for 20 s; services restarted after a fatal error: " +
                   std::to_string(restarted.size()),
               0, 0, catch_up);
    stack.StopAll();
}

// One broker lost (RF 3, min ISR 2): SIGKILL of one under load, then SIGSTOP of another past the
// session timeout; producers keep going and nothing is lost.
TEST(FaultE2E, SingleBrokerLossAndAHungBrokerLoseNothing) {
    if (!Cluster().real) GTEST_SKIP() << "the dev-broker cannot pause one broker (SIGSTOP)";
    Stack stack("fault_one_broker", StackOptions{.executor = ExecutorSettings{.concurrency = 10,
                                                                               .duration_min_ms = 500,
                                                                               .duration_max_ms = 2000,
                                                                               .metrics_interval_ms = 300,
                                                                               .failure_rate = 0.1},
                                                 .notifications = false,
                                                 .health = false,
                                                 .static_membership = false});
    BrokerControl brokers(Cluster(), stack.RunDir() / "broker-control.log");
    ASSERT_NO_THROW(stack.StartAll());
    auto ids = stack.SubmitJobs(15, "before");
    std::string audit_prefix;
    std::thread audit_load(
        [&] { audit_prefix = stack.ProduceEvents({.topic = "audit-trail", .count = 20'000, .jobs = 500, .rate = 2000}); });
    ASSERT_NO_THROW(brokers.Kill(1));
    auto more = stack.SubmitJobs(15, "one-down");
    ids.insert(ids.end(), more.begin(), more.end());
    ASSERT_NO_THROW(brokers.Restart(1));
    ASSERT_NO_THROW(brokers.Pause(2));
    const auto paused_at = Clock::now();
    // Hung past the consumers' 6 s session timeout and the broker's own session.
    while (ElapsedMs(paused_at) < 12'000) {
        more = stack.SubmitJobs(1, "one-hung");
        ids.insert(ids.end(), more.begin(), more.end());
        std::this_thread::sleep_for(milliseconds(500));
    }
    ASSERT_NO_THROW(brokers.Resume(2));
    audit_load.join();
    // A consumer whose static identity was fenced while its coordinator was gone stops with exit
    // code 1; the supervisor starts it again and it resumes from its committed offsets.
    const std::vector<std::string> restarted = stack.SuperviseUntilQuiet();
    const FinalStatus jobs = stack.WaitAllTerminal(ids, seconds(180));
    ASSERT_EQ(jobs.size(), ids.size());
    stack.CheckAll(jobs);
    const auto rows = WaitAuditStored(stack.Audit(), audit_prefix, 20'000);
    EXPECT_EQ(rows.second, 20'000);
    EXPECT_EQ(rows.first, rows.second);
    ReportLine("fault_one_broker", std::to_string(ids.size()) + " jobs + 20k audit events at 2k/s",
               "kill -9 broker 1 + restart, SIGSTOP broker 2 for 12 s; services restarted after a fatal error: " +
                   std::to_string(restarted.size()),
               20'000 - rows.second, rows.first - rows.second, ElapsedMs(paused_at));
    for (const auto& name : restarted) std::cout << "[fault] restarted by the supervisor: " << name << std::endl;
    stack.StopAll();
}

}  // namespace
}  // namespace cosmic::e2e
