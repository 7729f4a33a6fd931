// health-monitor on the embedded cluster: stale heartbeats, a stopped consumer group, a broker
// going down and a leadership handover, each observed where an operator would notice it: the
// API, /metrics, a webhook receiver, and the notifications and audit-trail topics.

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <string>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "health_test_support.hpp"

namespace cosmic::health {
namespace {

using kafka::testing::ConsumedRecord;
using kafka::testing::EmbeddedCluster;
using kafka::testing::ProduceRecord;
using std::chrono::seconds;
using testing::HealthInstance;
using testing::WaitUntil;
using testing::WebhookReceiver;

/// Records of `topic` whose JSON payload has alertname and state, optionally on one resource.
std::vector<ConsumedRecord> AlertRecords(EmbeddedCluster& cluster, const std::string& topic,
                                         const std::string& alertname, const std::string& state) {
    std::vector<ConsumedRecord> out;
    simdjson::dom::parser parser;
    for (ConsumedRecord& record : cluster.ConsumeToEnd(topic)) {
        simdjson::dom::element doc;
        if (parser.parse(record.value).get(doc) != simdjson::SUCCESS) continue;
        std::string_view name;
        std::string_view got;
        if (doc["payload"]["alertname"].get(name) != simdjson::SUCCESS) continue;
        if (doc["payload"]["state"].get(got) != simdjson::SUCCESS) continue;
        if (name == alertname && got == state) out.push_back(std::move(record));
    }
    return out;
}

std::string Field(const std::string& json, const char* key) {
    simdjson::dom::parser parser;
    std::string_view value;
    if (parser.parse(json)[key].get(value) != simdjson::SUCCESS) return {};
    return std::string(value);
}

/// "[0,2]" -> {0, 2}
std::vector<int> Partitions(const std::string& json) {
    std::vector<int> out;
    simdjson::dom::parser parser;
    simdjson::dom::array array;
    if (parser.parse(json).get(array) != simdjson::SUCCESS) return out;
    for (simdjson::dom::element e : array) out.push_back(static_cast<int>(int64_t(e)));
    return out;
}

class HealthServiceTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    /// Fast settings for the mock cluster; tests override what they exercise.
    service::Environment Env(const std::string& instance) {
        service::Environment env;
        for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(cluster_.ClientConfig().properties))
            env[name] = value;
        env["COSMIC_HTTP_PORT"] = "0";
        env["COSMIC_HTTP_BIND"] = "127.0.0.1";
        env["COSMIC_TOKENS_FILE"] = tokens_;
        env["COSMIC_DATA_DIR"] = dir_.Path().string();
        env["COSMIC_INSTANCE_ID"] = instance;
        env["COSMIC_CONSUMER_STATIC_MEMBERSHIP"] = "false";
        env["COSMIC_LOG_LEVEL"] = "warn";
        env["COSMIC_HEARTBEAT_INTERVAL_MS"] = "500";
        env["COSMIC_COMPONENTS_EXPECTED"] = "";
        env["COSMIC_COMPONENTS_STALE_AFTER_MS"] = "1500";
        env["COSMIC_MONITORED_GROUPS"] = "";
        env["COSMIC_ALERTS_EVALUATE_INTERVAL_MS"] = "100";
        env["COSMIC_ALERTS_RESOLVE_AFTER_MS"] = "0";
        env["COSMIC_ALERT_WEBHOOK_URL"] = webhook_.Url();
        env["COSMIC_WEBHOOK_BACKOFF_BASE_MS"] = "50";
        env["COSMIC_WEBHOOK_BACKOFF_MAX_MS"] = "200";
        env["COSMIC_CLUSTER_POLL_INTERVAL_MS"] = "60000";
        env["COSMIC_CLUSTER_PROBE_TIMEOUT_MS"] = "1000";
        env["COSMIC_HA_ENABLED"] = "false";
        return env;
    }

    void Heartbeat(const std::string& service, const std::string& instance) {
        cluster_.Produce("system-health", instance, testing::RawHeartbeat(service, instance));
    }

    testing::TempDir dir_;
    std::string tokens_ = testing::WriteTokens(dir_.Path());
    WebhookReceiver webhook_{1};  // the first POST fails: delivery must retry
};

TEST_F(HealthServiceTest, AComponentWhoseHeartbeatsStopGoesDownAndAlertsUntilItReturns) {
    HealthInstance monitor(Env("hm-1"));
    ASSERT_TRUE(WaitUntil([&] { return monitor.Service().Leader(); }));
    Heartbeat("fake-service", "fake-1");
    ASSERT_TRUE(WaitUntil([&] { return monitor.HealthField("components.0.status") == "HEALTHY"; }));
    EXPECT_EQ(monitor.HealthField("components.0.component"), "fake-service");
    EXPECT_EQ(monitor.HealthField("components.0.instances.0.version"), "9.9.9");

    // No further heartbeat: DOWN after stale_after, and the alert reaches the webhook (after one
    // refused POST), notifications and audit-trail.
    ASSERT_TRUE(WaitUntil([&] { return monitor.HealthField("components.0.status") == "DOWN"; }));
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthComponentDown", "firing").size() == 1; }));
    const std::string body = webhook_.Matching("HealthComponentDown", "firing")[0];
    EXPECT_NE(body.find(R"("component":"fake-service")"), std::string::npos) << body;
    EXPECT_NE(body.find(R"("version":"4")"), std::string::npos);
    EXPECT_GE(webhook_.Requests(), 2) << "the 503 was retried";
    ASSERT_TRUE(
        WaitUntil([&] { return AlertRecords(cluster_, "audit-trail", "HealthComponentDown", "firing").size() == 1; }));
    EXPECT_EQ(AlertRecords(cluster_, "audit-trail", "HealthComponentDown", "firing")[0].key, "fake-service");
    ASSERT_TRUE(WaitUntil(
        [&] { return AlertRecords(cluster_, "notifications", "HealthComponentDown", "firing").size() == 1; }));
    const auto metrics = testing::HttpGet(monitor.Port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(cosmic_component_up{component="fake-service"} 0)"), std::string::npos);
    EXPECT_NE(metrics.find(R"(cosmic_alerts_active{severity="critical"} 1)"), std::string::npos);

    // It comes back: resolved once.
    Heartbeat("fake-service", "fake-1");
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthComponentDown", "resolved").size() == 1; }));
    ASSERT_TRUE(WaitUntil(
        [&] { return AlertRecords(cluster_, "audit-trail", "HealthComponentDown", "resolved").size() == 1; }));
    const auto alerts = testing::HttpGet(monitor.Port(), "/api/v1/alerts?state=resolved&limit=5", testing::kAdminToken);
    EXPECT_EQ(alerts.status, 200);
    EXPECT_NE(alerts.body.find("HealthComponentDown"), std::string::npos);
    EXPECT_EQ(webhook_.Matching("HealthComponentDown", "firing").size(), 1U);
    EXPECT_EQ(monitor.Stop(), service::kExitOk);
}

// The seed's "100 events to a stopped consumer trigger the lag alert", with Burrow's statuses on
// the way: a group that falls behind is WARN, once it stops committing it is ERR.
TEST_F(HealthServiceTest, AGroupThatStopsConsumingGoesWarnThenErrAndItsAlertsArrive) {
    const std::string group = "stopped-group";
    service::Environment env = Env("hm-1");
    env["COSMIC_MONITORED_GROUPS"] = group + ":job-commands";
    env["COSMIC_GROUPS_POLL_INTERVAL_MS"] = "300";
    env["COSMIC_LAG_INTERVALS"] = "4";
    env["COSMIC_LAG_MIN_DISTANCE_MS"] = "0";
    env["COSMIC_LAG_MAX_MESSAGES"] = "50";
    env["COSMIC_LAG_MAX_SECONDS"] = "0";
    HealthInstance monitor(env);
    ASSERT_TRUE(WaitUntil([&] { return monitor.Service().Leader(); }));

    auto polls = [&] { return std::stoull("0" + monitor.HealthField("groups.0.polls")); };
    auto status = [&] { return monitor.HealthField("groups.0.status"); };
    std::int64_t committed = 0;
    std::int64_t produced = 0;
    auto produce = [&](int n) {
        for (int i = 0; i < n; ++i, ++produced) cluster_.Produce({"job-commands", "k", "x", {}, 0, 0});
    };

    // Falling behind: each poll sees a higher committed offset and a higher lag.
    bool warned = false;
    for (int round = 0; round < 40 && !warned; ++round) {
        produce(3);
        committed += 1;
        cluster_.CommitOffsets(group, "job-commands", {{0, committed}});
        const auto seen = polls();
        ASSERT_TRUE(WaitUntil([&] { return polls() > seen; }));
        warned = status() == "WARN";
    }
    ASSERT_TRUE(warned) << "group status " << status();
    // At least once: on a loaded machine a round can outlast the window, so the group may leave
    // WARN and come back while the test drives it.
    ASSERT_TRUE(WaitUntil([&] { return !webhook_.Matching("HealthConsumerGroupWarning", "firing").empty(); }));

    // Stopped: 100 more events, nothing committed.
    produce(100);
    ASSERT_TRUE(WaitUntil([&] { return status() == "ERR"; })) << status();
    EXPECT_EQ(monitor.HealthField("groups.0.partitions.0.status"), "STALL");
    EXPECT_EQ(monitor.HealthField("groups.0.partitions.0.lag"), std::to_string(produced - committed));
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthConsumerGroupFailing", "firing").size() == 1; }));
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthConsumerGroupLagHigh", "firing").size() == 1; }));
    ASSERT_TRUE(WaitUntil([&] {
        return webhook_.Matching("HealthConsumerGroupWarning", "resolved").size() ==
               webhook_.Matching("HealthConsumerGroupWarning", "firing").size();
    })) << "every WARN that fired is resolved once the group is ERR";

    for (const char* name : {"HealthConsumerGroupFailing", "HealthConsumerGroupLagHigh"}) {
        ASSERT_TRUE(WaitUntil([&] { return AlertRecords(cluster_, "audit-trail", name, "firing").size() == 1; }))
            << name;
        const auto audit = AlertRecords(cluster_, "audit-trail", name, "firing")[0];
        EXPECT_EQ(audit.key, group);
        EXPECT_EQ(Field(audit.value, "action"), "ALERT");
        EXPECT_EQ(Field(audit.value, "event_type"), "audit.alert");
        ASSERT_TRUE(WaitUntil([&] { return AlertRecords(cluster_, "notifications", name, "firing").size() == 1; }));
        EXPECT_EQ(Field(AlertRecords(cluster_, "notifications", name, "firing")[0].value, "user_id"), "admin");
    }
    const auto metrics = testing::HttpGet(monitor.Port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(cosmic_consumergroup_status{consumergroup="stopped-group"} 3)"), std::string::npos);
    EXPECT_NE(
        metrics.find(R"(cosmic_consumergroup_lag{consumergroup="stopped-group",partition="0",topic="job-commands"})"),
        std::string::npos);
    EXPECT_NE(metrics.find("cosmic_consumergroup_lag_seconds{"), std::string::npos);
    EXPECT_EQ(webhook_.Matching("HealthConsumerGroupFailing", "firing").size(), 1U) << "deduplicated while firing";
}

TEST_F(HealthServiceTest, ABrokerGoingDownDegradesTheClusterAndAlerts) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    service::Environment env = Env("hm-1");
    env["COSMIC_CLUSTER_POLL_INTERVAL_MS"] = "200";
    HealthInstance monitor(env);
    ASSERT_TRUE(WaitUntil([&] { return monitor.HealthField("cluster.status") == "OK"; }))
        << monitor.HealthField("cluster");
    EXPECT_EQ(monitor.HealthField("cluster.brokers_available"), "3");

    cluster_.SetBrokerDown(2);
    ASSERT_TRUE(WaitUntil([&] { return monitor.HealthField("cluster.status") == "DEGRADED"; }))
        << monitor.HealthField("cluster");
    EXPECT_EQ(monitor.HealthField("cluster.brokers_available"), "2");
    EXPECT_EQ(monitor.HealthField("cluster.brokers.1.reachable"), "false");
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthBrokerMissing", "firing").size() == 1; }));
    EXPECT_NE(webhook_.Matching("HealthBrokerMissing", "firing")[0].find("Kafka cluster DEGRADED"), std::string::npos);
    const auto metrics = testing::HttpGet(monitor.Port(), "/metrics").body;
    EXPECT_NE(metrics.find(R"(cosmic_cluster_brokers{state="available"} 2)"), std::string::npos);

    cluster_.SetBrokerUp(2);
    ASSERT_TRUE(WaitUntil([&] { return monitor.HealthField("cluster.status") == "OK"; }));
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthBrokerMissing", "resolved").size() == 1; }));
}

TEST_F(HealthServiceTest, ALeadershipHandoverSendsEachAlertOnce) {
    service::Environment env_a = Env("hm-a");
    env_a["COSMIC_HA_ENABLED"] = "true";
    // The mock's group coordinator waits a session timeout for members to rejoin; keep it short.
    env_a["KAFKA_SESSION_TIMEOUT_MS"] = "3000";
    env_a["KAFKA_HEARTBEAT_INTERVAL_MS"] = "300";
    service::Environment env_b = env_a;
    env_b["COSMIC_INSTANCE_ID"] = "hm-b";
    auto a = std::make_unique<HealthInstance>(env_a);
    ASSERT_TRUE(WaitUntil([&] { return a->Service().Leader(); }));
    auto b = std::make_unique<HealthInstance>(env_b);
    // A stable group: the two members share the three partitions, and exactly one leads.
    ASSERT_TRUE(WaitUntil([&] {
        const std::vector<int> pa = Partitions(a->HealthField("leadership.partitions"));
        const std::vector<int> pb = Partitions(b->HealthField("leadership.partitions"));
        return !pa.empty() && !pb.empty() && pa.size() + pb.size() == 3 &&
               a->Service().Leader() != b->Service().Leader();
    })) << a->HealthField("leadership")
        << " " << b->HealthField("leadership");
    std::unique_ptr<HealthInstance>& leader = a->Service().Leader() ? a : b;
    std::unique_ptr<HealthInstance>& follower = a->Service().Leader() ? b : a;

    // The leader sends the alert; the follower evaluates it too but stays silent.
    Heartbeat("fake-service", "fake-1");
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthComponentDown", "firing").size() == 1; }));
    ASSERT_TRUE(WaitUntil([&] { return follower->HealthField("alerts.0.alertname") == "HealthComponentDown"; }));
    EXPECT_EQ(follower->HealthField("role"), "follower");
    EXPECT_EQ(leader->HealthField("role"), "leader");
    const auto follower_metrics = testing::HttpGet(follower->Port(), "/metrics").body;
    EXPECT_NE(follower_metrics.find(R"(cosmic_alerts_active{severity="critical"} 0)"), std::string::npos)
        << "sum() over replicas counts each alert once";

    // The leader stops; the follower takes partition 0, reads system-health to its end and leads.
    EXPECT_EQ(leader->Stop(), service::kExitOk);
    leader.reset();
    ASSERT_TRUE(WaitUntil([&] { return follower->Service().Leader(); }));
    const auto evaluations = follower->Service().Evaluations();
    ASSERT_TRUE(WaitUntil([&] { return follower->Service().Evaluations() >= evaluations + 10; }));
    EXPECT_EQ(webhook_.Matching("HealthComponentDown", "firing").size(), 1U) << "not sent again";

    // The component returns: the new leader sends the resolve, once.
    Heartbeat("fake-service", "fake-1");
    ASSERT_TRUE(WaitUntil([&] { return webhook_.Matching("HealthComponentDown", "resolved").size() == 1; }));
    const auto after = follower->Service().Evaluations();
    ASSERT_TRUE(WaitUntil([&] { return follower->Service().Evaluations() >= after + 10; }));
    EXPECT_EQ(webhook_.Matching("HealthComponentDown", "resolved").size(), 1U);
    EXPECT_EQ(webhook_.Matching("HealthComponentDown", "firing").size(), 1U);
    ASSERT_TRUE(WaitUntil(
        [&] { return AlertRecords(cluster_, "audit-trail", "HealthComponentDown", "resolved").size() == 1; }));
    EXPECT_EQ(AlertRecords(cluster_, "audit-trail", "HealthComponentDown", "firing").size(), 1U);
}

}  // namespace
}  // namespace cosmic::health
