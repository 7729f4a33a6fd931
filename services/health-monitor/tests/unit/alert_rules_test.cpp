// Every alert rule against its threshold: fires above, holds in the hysteresis band, clear below.

#include "cosmic/health_monitor/alert_rules.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace cosmic::health {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

RuleSettings Settings() {
    RuleSettings s;
    s.error_ratio = 0.05;
    s.hysteresis = 0.2;
    s.lag.messages = 1000;
    s.lag.seconds = 60.0;
    s.dlq_growth_threshold = 0;
    s.runbook_base_url = "https://example.test/";
    return s;
}

const AlertCondition* Find(const std::vector<AlertCondition>& conditions, const std::string& name) {
    auto it = std::find_if(conditions.begin(), conditions.end(), [&](const auto& c) { return c.name == name; });
    return it == conditions.end() ? nullptr : &*it;
}

ServiceView Service(ComponentStatus status, std::optional<double> ratio = std::nullopt) {
    ServiceView s;
    s.service = "metrics-consumer";
    s.status = status;
    s.instances_total = 1;
    s.instances_up = status == ComponentStatus::kDown ? 0 : 1;
    s.last_seen_ms = kNow - 45'000;
    s.error_ratio = ratio;
    s.window_events = 500;
    InstanceView i;
    i.instance = "m-1";
    i.status = status;
    s.instances.push_back(i);
    return s;
}

GroupView Group(kafka::LagStatus status, std::int64_t max_lag = 0, std::optional<double> seconds = std::nullopt) {
    GroupView g;
    g.group = "metrics-consumer-group";
    g.status = status;
    g.polls = 3;
    g.max_lag = max_lag;
    g.total_lag = max_lag;
    g.max_lag_seconds = seconds;
    PartitionView p;
    p.topic = "job-metrics";
    p.partition = 4;
    p.status = status == kafka::LagStatus::kErr ? kafka::LagStatus::kStall : status;
    p.lag = max_lag;
    g.partitions.push_back(p);
    return g;
}

ClusterView Cluster() {
    ClusterView c;
    c.status = "OK";
    c.polls = 1;
    c.metadata_ok = true;
    c.expected_brokers = 3;
    c.brokers_in_metadata = 3;
    c.brokers_available = 3;
    for (int id = 1; id <= 3; ++id) c.brokers.push_back(BrokerView{id, "b", 9092, true, {}});
    return c;
}

std::vector<AlertCondition> Rules(const std::vector<ServiceView>& s, const std::vector<GroupView>& g,
                                  const ClusterView& c) {
    return EvaluateRules(s, g, c, Settings(), kNow);
}

TEST(AlertRulesTest, NothingFiresWhenEverythingIsFine) {
    EXPECT_TRUE(
        Rules({Service(ComponentStatus::kHealthy, 0.0)}, {Group(kafka::LagStatus::kOk, 10, 1.0)}, Cluster()).empty());
}

TEST(AlertRulesTest, ComponentDownIsCriticalWithTheComponentLabel) {
    auto c = Rules({Service(ComponentStatus::kDown)}, {}, Cluster());
    const AlertCondition* down = Find(c, "HealthComponentDown");
    ASSERT_NE(down, nullptr);
    EXPECT_EQ(down->severity, Severity::kCritical);
    EXPECT_EQ(down->labels.at("component"), "metrics-consumer");
    EXPECT_EQ(down->resource_id, "metrics-consumer");
    EXPECT_DOUBLE_EQ(down->value, 45.0);
    EXPECT_EQ(down->runbook_url, "https://example.test/docs/runbook.md#healthcomponentdown");
    EXPECT_EQ(Find(c, "HealthComponentErrorRatioHigh"), nullptr) << "a DOWN service has no ratio to judge";
}

TEST(AlertRulesTest, UnhealthyComponentIsAWarning) {
    auto c = Rules({Service(ComponentStatus::kUnhealthy)}, {}, Cluster());
    ASSERT_NE(Find(c, "HealthComponentUnhealthy"), nullptr);
    EXPECT_EQ(Find(c, "HealthComponentUnhealthy")->severity, Severity::kWarning);
    EXPECT_EQ(Find(Rules({Service(ComponentStatus::kDegraded)}, {}, Cluster()), "HealthComponentUnhealthy"), nullptr);
}

TEST(AlertRulesTest, ErrorRatioFiresAboveTheThresholdAndHoldsInTheBand) {
    // The conditions outlive the pointers Find returns into them.
    const auto above_conditions = Rules({Service(ComponentStatus::kHealthy, 0.06)}, {}, Cluster());
    const AlertCondition* above = Find(above_conditions, "HealthComponentErrorRatioHigh");
    ASSERT_NE(above, nullptr);
    EXPECT_TRUE(above->active);
    const auto band_conditions = Rules({Service(ComponentStatus::kHealthy, 0.045)}, {}, Cluster());
    const AlertCondition* band = Find(band_conditions, "HealthComponentErrorRatioHigh");
    ASSERT_NE(band, nullptr) << "0.045 > 0.05 * 0.8";
    EXPECT_FALSE(band->active);
    EXPECT_EQ(Find(Rules({Service(ComponentStatus::kHealthy, 0.04)}, {}, Cluster()), "HealthComponentErrorRatioHigh"),
              nullptr);
    EXPECT_EQ(
        Find(Rules({Service(ComponentStatus::kHealthy, 0.05)}, {}, Cluster()), "HealthComponentErrorRatioHigh")->active,
        false)
        << "exactly the threshold does not fire (strictly greater)";
}

TEST(AlertRulesTest, GroupWarnAndErrAreSeparateAlerts) {
    auto warn = Rules({}, {Group(kafka::LagStatus::kWarn, 5)}, Cluster());
    ASSERT_NE(Find(warn, "HealthConsumerGroupWarning"), nullptr);
    EXPECT_EQ(Find(warn, "HealthConsumerGroupWarning")->labels.at("consumergroup"), "metrics-consumer-group");
    EXPECT_EQ(Find(warn, "HealthConsumerGroupFailing"), nullptr);
    auto err = Rules({}, {Group(kafka::LagStatus::kErr, 5)}, Cluster());
    ASSERT_NE(Find(err, "HealthConsumerGroupFailing"), nullptr);
    EXPECT_EQ(Find(err, "HealthConsumerGroupFailing")->severity, Severity::kCritical);
    EXPECT_NE(Find(err, "HealthConsumerGroupFailing")->description.find("job-metrics/4 STALL"), std::string::npos);
    EXPECT_EQ(Find(err, "HealthConsumerGroupWarning"), nullptr);
    EXPECT_TRUE(Rules({}, {Group(kafka::LagStatus::kNotFound)}, Cluster()).empty());
}

TEST(AlertRulesTest, AnUnreadableGroupIsFailingWithTheReasonAndNoThresholdJudgement) {
    GroupView g = Group(kafka::LagStatus::kErr, 5000, 500.0);
    g.error = "cluster metadata: _TRANSPORT";
    auto c = Rules({}, {g}, Cluster());
    ASSERT_NE(Find(c, "HealthConsumerGroupFailing"), nullptr);
    EXPECT_EQ(Find(c, "HealthConsumerGroupFailing")->description, "cluster metadata: _TRANSPORT");
    EXPECT_EQ(Find(c, "HealthConsumerGroupLagHigh"), nullptr);
    EXPECT_EQ(Find(c, "HealthConsumerGroupLagSecondsHigh"), nullptr);
}

TEST(AlertRulesTest, LagThresholdsInMessagesAndSeconds) {
    auto c = Rules({}, {Group(kafka::LagStatus::kOk, 1001, 61.0)}, Cluster());
    ASSERT_NE(Find(c, "HealthConsumerGroupLagHigh"), nullptr);
    EXPECT_TRUE(Find(c, "HealthConsumerGroupLagHigh")->active);
    ASSERT_NE(Find(c, "HealthConsumerGroupLagSecondsHigh"), nullptr);
    EXPECT_TRUE(Find(c, "HealthConsumerGroupLagSecondsHigh")->active);
    c = Rules({}, {Group(kafka::LagStatus::kOk, 900, 50.0)}, Cluster());
    EXPECT_FALSE(Find(c, "HealthConsumerGroupLagHigh")->active) << "band: 900 > 800";
    EXPECT_FALSE(Find(c, "HealthConsumerGroupLagSecondsHigh")->active) << "band: 50 > 48";
    EXPECT_TRUE(Rules({}, {Group(kafka::LagStatus::kOk, 800, 48.0)}, Cluster()).empty());
    EXPECT_EQ(Rules({}, {Group(kafka::LagStatus::kOk, 5000, std::nullopt)}, Cluster()).size(), 1U)
        << "unknown seconds never cross";
}

TEST(AlertRulesTest, ClusterBrokersPartitionsTopicsAndDeadLetters) {
    ClusterView c = Cluster();
    c.status = "DEGRADED";
    c.brokers_available = 2;
    c.brokers[1].reachable = false;
    c.brokers[1].error = "ListOffsets: _TIMED_OUT";
    TopicHealth urp{"job-lifecycle", false, false, 10, 3, 2, 0, 3, {}, 100, std::nullopt};
    TopicHealth offline{"audit-trail", false, false, 5, 3, 0, 1, 0, {}, 5, std::nullopt};
    TopicHealth missing;
    missing.topic = "job-commands";
    missing.missing = true;
    TopicHealth drift{"notifications", false, false, 5, 3, 0, 0, 0, {"notifications: partitions 3→5"}, 0, std::nullopt};
    TopicHealth dlq{"job-metrics.dlq", true, false, 20, 3, 0, 0, 0, {}, 12, 4};
    TopicHealth quiet_dlq{"audit-trail.dlq", true, false, 5, 3, 0, 0, 0, {}, 12, 0};
    c.topics = {urp, offline, missing, drift, dlq, quiet_dlq};
    auto r = Rules({}, {}, c);
    ASSERT_NE(Find(r, "HealthBrokerMissing"), nullptr);
    EXPECT_EQ(Find(r, "HealthBrokerMissing")->summary, "Kafka cluster DEGRADED: 2 of 3 brokers available");
    EXPECT_NE(Find(r, "HealthBrokerMissing")->description.find("broker 2 unreachable"), std::string::npos);
    EXPECT_NE(Find(r, "HealthBrokerMissing")->description.find("3 partition(s) led by unreachable"), std::string::npos);
    ASSERT_NE(Find(r, "HealthPartitionsUnderReplicated"), nullptr);
    EXPECT_EQ(Find(r, "HealthPartitionsUnderReplicated")->labels.at("topic"), "job-lifecycle");
    ASSERT_NE(Find(r, "HealthPartitionsOffline"), nullptr);
    EXPECT_EQ(Find(r, "HealthPartitionsOffline")->labels.at("topic"), "audit-trail");
    ASSERT_NE(Find(r, "HealthTopicMissing"), nullptr);
    EXPECT_EQ(Find(r, "HealthTopicMissing")->resource_id, "job-commands");
    ASSERT_NE(Find(r, "HealthTopicDrift"), nullptr);
    EXPECT_EQ(Find(r, "HealthTopicDrift")->description, "notifications: partitions 3→5");
    const auto dead = std::count_if(r.begin(), r.end(), [](auto& x) { return x.name == "HealthDeadLettersGrowing"; });
    EXPECT_EQ(dead, 1) << "only the .dlq that grew";
    EXPECT_EQ(Find(r, "HealthDeadLettersGrowing")->labels.at("topic"), "job-metrics.dlq");
}

TEST(AlertRulesTest, AnUnreachableClusterIsOneCriticalAlert) {
    ClusterView c;
    c.polls = 2;
    c.metadata_ok = false;
    c.error = "cluster metadata: _TRANSPORT";
    auto r = Rules({}, {}, c);
    ASSERT_EQ(r.size(), 1U);
    EXPECT_EQ(r[0].name, "HealthClusterUnreachable");
    EXPECT_TRUE(Rules({}, {}, ClusterView{}).empty()) << "not polled yet: no judgement";
}

TEST(AlertRulesTest, EveryRuleNameIsListed) { EXPECT_EQ(AlertNames().size(), 14U); }

}  // namespace
}  // namespace cosmic::health
