// Kafka errors a real broker cannot be made to return, injected through the dev-broker's control
// API (tools/dev-broker/README.md): produce errors for job-orchestrator's outbox relay and the
// services' producers, fetch errors for the consumers, RTT spikes and partition leader moves, all
// while jobs flow. The test runs a dev-broker of its own, so it runs whichever Kafka the e2e
// fixture started. Nothing lost, nothing duplicated at any sink, no service crashes.

#include <gtest/gtest.h>

#include <iostream>
#include <string>
#include <vector>

#include "fault_support.hpp"
#include "stack.hpp"
#include "support/own_dev_broker.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

/// `count` rounds of `errors` for the next requests of protocol API `api`.
std::string Errors(const std::string& api, const std::vector<std::string>& errors, int count) {
    std::string list;
    for (const auto& error : errors) list += (list.empty() ? "\"" : ",\"") + error + "\"";
    return R"({"api":")" + api + R"(","errors":[)" + list + R"(],"count":)" + std::to_string(count) + "}";
}

TEST(InjectedErrorsE2E, ProduceAndFetchErrorsRttSpikesAndLeaderMovesLoseAndDuplicateNothing) {
    const std::filesystem::path broker_dir = Cluster().dir / "runs" / "fault_injected_broker";
    std::unique_ptr<OwnDevBroker> broker;
    ASSERT_NO_THROW(broker = std::make_unique<OwnDevBroker>(broker_dir));

    StackOptions options;
    options.bootstrap = broker->Bootstrap();
    options.executor = ExecutorSettings{.concurrency = 10,
                                        .duration_min_ms = 300,
                                        .duration_max_ms = 1200,
                                        .metrics_interval_ms = 200,
                                        .failure_rate = 0.1};
    options.health = false;
    // librdkafka 2.0.2's mock does not check idempotent sequence numbers: with a failed Produce
    // request and a later one to the same partition in flight, it appends the later one, and the
    // producer (rightly, for a real broker, which would refuse it as out of order) takes that as
    // proof the earlier batch was written. One request in flight per connection keeps the mock
    // honest; a real broker needs no such setting.
    for (const char* service : {"job-orchestrator", "audit-consumer", "metrics-consumer", "notification-consumer"}) {
        options.env[service] = {{"KAFKA_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION", "1"}};
    }
    Stack stack("fault_injected", options);
    ASSERT_NO_THROW(stack.StartAll());

    std::vector<std::string> ids = stack.SubmitJobs(8, "before-faults");
    const auto submit = [&](const std::string& name) {
        const auto more = stack.SubmitJobs(8, name);
        ids.insert(ids.end(), more.begin(), more.end());
    };
    std::vector<std::string> faults;
    const auto inject = [&](const std::string& what, const std::string& path, const std::string& body = "{}") {
        ASSERT_NO_THROW(broker->Post(path, body)) << what;
        faults.push_back(what);
    };

    // Retriable produce errors: the idempotent producers retry them (same sequence numbers), the
    // outbox relay marks a row sent only on its delivery report.
    inject("30 Produce errors (not leader, timed out, not enough replicas)", "/errors",
           Errors("Produce", {"NOT_LEADER_FOR_PARTITION", "REQUEST_TIMED_OUT", "NOT_ENOUGH_REPLICAS"}, 10));
    submit("produce-errors");
    // Fetch errors: the consumers refresh metadata and fetch again from their position.
    inject("30 Fetch errors (not leader, unknown partition, timed out)", "/errors",
           Errors("Fetch", {"NOT_LEADER_FOR_PARTITION", "UNKNOWN_TOPIC_OR_PART", "REQUEST_TIMED_OUT"}, 10));
    submit("fetch-errors");
    // RTT spikes on two brokers while jobs run.
    inject("RTT +800 ms on broker 1", "/brokers/1/rtt?ms=800");
    inject("RTT +300 ms on broker 2", "/brokers/2/rtt?ms=300");
    submit("rtt");
    ASSERT_TRUE(WaitUntil([&] { return stack.CountInStatus(ids, {"completed", "failed"}) >= 8; }, seconds(60)))
        << "no job finished under the RTT spikes";
    inject("RTT back to normal on broker 1", "/brokers/1/rtt?ms=0");
    inject("RTT back to normal on broker 2", "/brokers/2/rtt?ms=0");
    // Every partition of the four topics the jobs flow through gets another leader.
    const std::vector<std::pair<std::string, int>> topics = {
        {"job-lifecycle", 10}, {"job-metrics", 20}, {"audit-trail", 5}, {"notifications", 5}};
    for (const auto& [topic, partitions] : topics) {
        for (int p = 0; p < partitions; ++p) {
            ASSERT_NO_THROW(broker->Post("/topics/" + topic + "/partitions/" + std::to_string(p) +
                                         "/leader?broker=" + std::to_string((p + 1) % 3 + 1)));
        }
    }
    faults.push_back("leader moved on every partition of 4 topics");
    submit("leader-moves");
    // The same under load once more, with produce and fetch errors together.
    inject("produce + fetch errors together", "/errors", Errors("Produce", {"LEADER_NOT_AVAILABLE"}, 10));
    inject("fetch errors", "/errors", Errors("Fetch", {"NOT_LEADER_FOR_PARTITION"}, 10));
    submit("mixed");
    const auto last_fault = Clock::now();

    const FinalStatus jobs = stack.WaitAllTerminal(ids, seconds(180));
    const long long settled = ElapsedMs(last_fault);
    ASSERT_EQ(jobs.size(), ids.size());
    // Errors still queued would hit the checks' own readers, not the services.
    for (const char* api : {"Produce", "Fetch"}) {
        EXPECT_TRUE(HttpClient(broker->ControlUrl()).Call("DELETE", std::string("/errors/") + api).Ok());
    }
    stack.CheckAll(jobs);
    for (ServiceProcess* service : stack.Services()) {
        EXPECT_TRUE(service->Running()) << service->Name() << " died:\n" << service->LogTail();
    }
    EXPECT_TRUE(broker->Running());
    for (const auto& fault : faults) std::cout << "[fault] injected: " << fault << std::endl;
    // The checks fail on any loss or duplicate; -1 in the line means "see the failures above".
    // Recovery: from the last fault until every job was terminal.
    const bool clean = !::testing::Test::HasFailure();
    ReportLine("fault_injected", std::to_string(ids.size()) + " jobs through the API (lifecycle, metrics, audit, "
                                 "notifications)",
               "produce errors x2, fetch errors x2, RTT spikes, " + std::to_string(50) + " leader moves",
               static_cast<long long>(ids.size() - jobs.size()), clean ? 0 : -1, settled);
    stack.StopAll();
}

}  // namespace
}  // namespace cosmic::e2e
