// Cluster judgement from observations: brokers vs expected, ISR and leaders per table topic,
// missing and drifted topics, dead-letter growth over the window.

#include "cosmic/health_monitor/cluster_health.hpp"

#include <gtest/gtest.h>

#include "cosmic/schema/topics.hpp"

namespace cosmic::health {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

ClusterSettings Settings() {
    ClusterSettings s;
    s.poll_interval = std::chrono::seconds(30);
    s.expected_brokers = 3;
    s.dlq_window = std::chrono::minutes(10);
    return s;
}

/// Every table topic (and .dlq) as a healthy 3-broker cluster has it, configs unknown (the mock).
ClusterObservation Healthy() {
    ClusterObservation o;
    o.metadata_ok = true;
    for (int id = 1; id <= 3; ++id) o.brokers.push_back(BrokerView{id, "127.0.0.1", 9000 + id, true, {}});
    for (const auto& desired : kafka::TopicTable({}, 3)) {
        kafka::ObservedTopic topic;
        topic.name = desired.name;
        topic.configs_error = "the cluster names no live controller";
        for (int p = 0; p < desired.partitions; ++p) {
            topic.partitions.push_back({p, 1 + p % 3, {1, 2, 3}, {1, 2, 3}});
        }
        o.end_offsets[desired.name] = 0;
        o.topics.push_back(topic);
    }
    return o;
}

const TopicHealth& Topic(const ClusterView& view, const std::string& name) {
    for (const TopicHealth& t : view.topics) {
        if (t.topic == name) return t;
    }
    throw std::runtime_error("no topic " + name);
}

TEST(ClusterMonitorTest, UnknownBeforeTheFirstObservationThenOk) {
    ClusterMonitor monitor(Settings());
    EXPECT_EQ(monitor.View().status, "UNKNOWN");
    monitor.Observe(Healthy(), kNow);
    const ClusterView view = monitor.View();
    EXPECT_EQ(view.status, "OK");
    EXPECT_EQ(view.brokers_available, 3);
    EXPECT_EQ(view.topics.size(), 2 * schema::AllTopics().size());
    EXPECT_FALSE(view.configs_known);
    EXPECT_NE(view.configs_error.find("controller"), std::string::npos);
}

TEST(ClusterMonitorTest, AnUnreachableBrokerDegradesTheClusterAndItsPartitions) {
    ClusterMonitor monitor(Settings());
    ClusterObservation o = Healthy();
    o.brokers[1].reachable = false;
    monitor.Observe(o, kNow);
    const ClusterView view = monitor.View();
    EXPECT_EQ(view.status, "DEGRADED");
    EXPECT_EQ(view.brokers_in_metadata, 3);
    EXPECT_EQ(view.brokers_available, 2);
    const TopicHealth& lifecycle = Topic(view, "job-lifecycle");
    EXPECT_EQ(lifecycle.leader_unreachable, 3) << "partitions 1, 4, 7 are led by broker 2";
    EXPECT_EQ(lifecycle.offline, 0);
}

TEST(ClusterMonitorTest, ABrokerGoneFromTheMetadataAndShrunkIsrs) {
    ClusterMonitor monitor(Settings());
    ClusterObservation o = Healthy();
    o.brokers.pop_back();
    for (auto& topic : o.topics) {
        for (auto& p : topic.partitions) {
            p.isr = {1, 2};
            if (p.leader == 3) p.leader = 1;
        }
    }
    monitor.Observe(o, kNow);
    const ClusterView view = monitor.View();
    EXPECT_EQ(view.status, "DEGRADED");
    EXPECT_EQ(view.brokers_available, 2);
    EXPECT_EQ(Topic(view, "audit-trail").under_replicated, 5);
}

TEST(ClusterMonitorTest, OfflinePartitionsAndMissingTopicsAreUnhealthy) {
    ClusterMonitor monitor(Settings());
    ClusterObservation o = Healthy();
    o.topics[0].partitions[0].leader = -1;
    monitor.Observe(o, kNow);
    EXPECT_EQ(monitor.View().status, "UNHEALTHY");
    EXPECT_EQ(Topic(monitor.View(), o.topics[0].name).offline, 1);

    o = Healthy();
    std::erase_if(o.topics, [](const kafka::ObservedTopic& t) { return t.name == "job-commands"; });
    monitor.Observe(o, kNow);
    EXPECT_EQ(monitor.View().status, "UNHEALTHY");
    EXPECT_TRUE(Topic(monitor.View(), "job-commands").missing);
}

TEST(ClusterMonitorTest, DriftIsReportedPerTopic) {
    ClusterMonitor monitor(Settings());
    ClusterObservation o = Healthy();
    for (auto& topic : o.topics) {
        if (topic.name == "notifications") topic.partitions.resize(3);
    }
    monitor.Observe(o, kNow);
    const ClusterView view = monitor.View();
    const TopicHealth& notifications = Topic(view, "notifications");
    ASSERT_EQ(notifications.drift.size(), 1U);
    EXPECT_NE(notifications.drift[0].find("5"), std::string::npos);
    EXPECT_EQ(view.status, "DEGRADED");
}

TEST(ClusterMonitorTest, DeadLetterGrowthIsMeasuredOverTheWindow) {
    ClusterMonitor monitor(Settings());  // 10 min window
    ClusterObservation o = Healthy();
    monitor.Observe(o, kNow);
    EXPECT_FALSE(Topic(monitor.View(), "job-metrics.dlq").growth) << "one sample";
    o.end_offsets["job-metrics.dlq"] = 7;
    monitor.Observe(o, kNow + 60'000);
    EXPECT_EQ(Topic(monitor.View(), "job-metrics.dlq").growth, 7);
    EXPECT_EQ(Topic(monitor.View(), "job-metrics.dlq").end_offset, 7);
    EXPECT_EQ(Topic(monitor.View(), "audit-trail.dlq").growth, 0);
    // Nothing new for longer than the window: growth back to 0.
    for (int i = 1; i <= 12; ++i) monitor.Observe(o, kNow + 60'000 + i * 60'000);
    EXPECT_EQ(Topic(monitor.View(), "job-metrics.dlq").growth, 0);
    EXPECT_FALSE(Topic(monitor.View(), "job-metrics").growth) << "only .dlq topics track growth";
}

TEST(ClusterMonitorTest, UnreadableMetadataIsUnhealthyAndKeepsTheLastTopics) {
    ClusterMonitor monitor(Settings());
    monitor.Observe(Healthy(), kNow);
    ClusterObservation broken;
    broken.error = "cluster metadata: _TRANSPORT";
    monitor.Observe(broken, kNow + 1);
    const ClusterView view = monitor.View();
    EXPECT_EQ(view.status, "UNHEALTHY");
    EXPECT_FALSE(view.metadata_ok);
    EXPECT_EQ(view.error, "cluster metadata: _TRANSPORT");
    EXPECT_EQ(view.brokers_available, 0);
    EXPECT_FALSE(view.topics.empty());
}

}  // namespace
}  // namespace cosmic::health
