// The registry from heartbeats: parsing (including older senders), staleness, folding per
// service, the error ratio from counter deltas, bounds, and leader announcements.

#include "cosmic/health_monitor/component_registry.hpp"

#include <gtest/gtest.h>

#include "cosmic/schema/event.hpp"

namespace cosmic::health {
namespace {

constexpr std::int64_t kNow = 1'800'000'000'000;

ComponentSettings Settings() {
    ComponentSettings s;
    s.stale_after = std::chrono::seconds(30);
    s.forget_after = std::chrono::minutes(10);
    s.rate_window = 3;
    s.error_ratio_min_events = 10;
    return s;
}

HeartbeatData Beat(std::string service, std::string instance, std::int64_t at, std::uint64_t handled = 0,
                   std::uint64_t failed = 0, std::uint64_t dead = 0) {
    HeartbeatData h;
    h.service = std::move(service);
    h.instance = std::move(instance);
    h.occurred_at_ms = at;
    h.uptime_s = (at - kNow) / 1000 + 100;
    h.handled = handled;
    h.failed = failed;
    h.dead_lettered = dead;
    return h;
}

const ServiceView& Find(const std::vector<ServiceView>& services, const std::string& name) {
    for (const ServiceView& s : services) {
        if (s.service == name) return s;
    }
    throw std::runtime_error("no service " + name);
}

TEST(HeartbeatParserTest, ReadsTheKitHeartbeat) {
    schema::Event event = schema::NewEvent(schema::TopicId::kSystemHealth, "health.heartbeat", "metrics-consumer");
    event.component_id = "metrics-1";
    event.status = schema::HealthStatus::kDegraded;
    event.occurred_at_ms = kNow;
    event.metrics = R"({"service":"metrics-consumer","instance":"metrics-1","version":"1.2.0","uptime_s":12,)"
                    R"("consumer_ready":false,"consumer_lag":42,"handled":100,"skipped":1,"invalid":0,"failed":3,)"
                    R"("retried":2,"dead_lettered":1,"processed_per_second":9.5,"jobs_tracked":7})";
    HeartbeatParser parser;
    std::string error;
    auto beat = parser.Parse(event, error);
    ASSERT_TRUE(beat) << error;
    EXPECT_EQ(beat->service, "metrics-consumer");
    EXPECT_EQ(beat->instance, "metrics-1");
    EXPECT_EQ(beat->version, "1.2.0");
    EXPECT_EQ(beat->reported, ComponentStatus::kDegraded);
    EXPECT_FALSE(beat->consumer_ready);
    EXPECT_EQ(beat->consumer_lag, 42);
    EXPECT_EQ(beat->handled, 100U);
    EXPECT_EQ(beat->failed, 3U);
    EXPECT_EQ(beat->dead_lettered, 1U);
    EXPECT_EQ(beat->retried, 2U);
    EXPECT_DOUBLE_EQ(beat->processed_per_second, 9.5);
    EXPECT_FALSE(beat->report);
}

TEST(HeartbeatParserTest, AcceptsAnOlderSenderWithoutCounters) {
    schema::Event event = schema::NewEvent(schema::TopicId::kSystemHealth, "health.heartbeat", "audit-consumer");
    event.component_id = "audit-7";
    event.metrics = R"({"consumer_lag":null})";
    HeartbeatParser parser;
    std::string error;
    auto beat = parser.Parse(event, error);
    ASSERT_TRUE(beat) << error;
    EXPECT_EQ(beat->service, "audit-consumer");  // from source
    EXPECT_EQ(beat->instance, "audit-7");        // from component_id
    EXPECT_FALSE(beat->handled);
    EXPECT_FALSE(beat->consumer_lag);

    event.metrics = "[1,2]";
    EXPECT_FALSE(parser.Parse(event, error));
    EXPECT_FALSE(error.empty());
}

TEST(ComponentRegistryTest, AnInstanceWithoutHeartbeatsForStaleAfterIsDown) {
    ComponentRegistry registry(Settings());
    ASSERT_EQ(registry.Record(Beat("svc", "a", kNow), kNow), ComponentRegistry::Recorded::kAccepted);
    auto services = registry.Evaluate(kNow + 30'000);
    EXPECT_EQ(Find(services, "svc").status, ComponentStatus::kHealthy);
    services = registry.Evaluate(kNow + 30'001);
    EXPECT_EQ(Find(services, "svc").status, ComponentStatus::kDown);
    EXPECT_EQ(Find(services, "svc").instances[0].status, ComponentStatus::kDown);
    // A new heartbeat brings it back.
    registry.Record(Beat("svc", "a", kNow + 31'000), kNow + 31'000);
    EXPECT_EQ(Find(registry.Evaluate(kNow + 31'000), "svc").status, ComponentStatus::kHealthy);
}

TEST(ComponentRegistryTest, FoldsInstancesPerService) {
    ComponentRegistry registry(Settings());
    registry.Record(Beat("svc", "a", kNow), kNow);
    registry.Record(Beat("svc", "b", kNow - 40'000), kNow);
    auto svc = Find(registry.Evaluate(kNow), "svc");
    EXPECT_EQ(svc.status, ComponentStatus::kDegraded) << "one of two instances down";
    EXPECT_EQ(svc.instances_up, 1);
    EXPECT_EQ(svc.instances_total, 2);

    HeartbeatData sick = Beat("svc", "a", kNow + 1);
    sick.reported = ComponentStatus::kUnhealthy;
    registry.Record(sick, kNow + 1);
    EXPECT_EQ(Find(registry.Evaluate(kNow + 1), "svc").status, ComponentStatus::kUnhealthy);
    EXPECT_EQ(Find(registry.Evaluate(kNow + 40'000), "svc").status, ComponentStatus::kDown);
}

TEST(ComponentRegistryTest, ExpectedServicesNeverHeardOfAreDown) {
    ComponentSettings settings = Settings();
    settings.expected = {"audit-consumer"};
    ComponentRegistry registry(settings);
    auto services = registry.Evaluate(kNow);
    ASSERT_EQ(services.size(), 1U);
    EXPECT_EQ(services[0].status, ComponentStatus::kDown);
    EXPECT_EQ(services[0].instances_total, 0);
}

TEST(ComponentRegistryTest, ErrorRatioIsFailedPlusDeadLetteredOverHandledFromDeltas) {
    ComponentRegistry registry(Settings());
    // Since start: 1000 handled, 900 failed before the window; the ratio only sees the deltas.
    registry.Record(Beat("svc", "a", kNow, 1000, 900, 0), kNow);
    EXPECT_FALSE(Find(registry.Evaluate(kNow), "svc").error_ratio) << "one heartbeat has no delta";
    registry.Record(Beat("svc", "a", kNow + 10'000, 1100, 905, 5), kNow + 10'000);
    auto svc = Find(registry.Evaluate(kNow + 10'000), "svc");
    ASSERT_TRUE(svc.error_ratio);
    EXPECT_DOUBLE_EQ(*svc.error_ratio, 10.0 / 100.0);
    EXPECT_DOUBLE_EQ(*svc.instances[0].error_ratio, 10.0 / 100.0);
    EXPECT_EQ(svc.window_events, 110U);
}

TEST(ComponentRegistryTest, ErrorRatioNeedsTheMinimumNumberOfOutcomes) {
    ComponentRegistry registry(Settings());
    registry.Record(Beat("svc", "a", kNow, 0, 0, 0), kNow);
    registry.Record(Beat("svc", "a", kNow + 10'000, 5, 4, 0), kNow + 10'000);
    EXPECT_FALSE(Find(registry.Evaluate(kNow + 10'000), "svc").error_ratio) << "9 outcomes < 10";
    registry.Record(Beat("svc", "a", kNow + 20'000, 5, 5, 0), kNow + 20'000);
    auto ratio = Find(registry.Evaluate(kNow + 20'000), "svc").error_ratio;
    ASSERT_TRUE(ratio);
    EXPECT_DOUBLE_EQ(*ratio, 1.0);
}

TEST(ComponentRegistryTest, TheWindowIsBoundedAndRestartsWithTheCounters) {
    ComponentRegistry registry(Settings());  // rate_window 3
    registry.Record(Beat("svc", "a", kNow, 0, 0, 0), kNow);
    registry.Record(Beat("svc", "a", kNow + 10'000, 100, 50, 0), kNow);
    registry.Record(Beat("svc", "a", kNow + 20'000, 200, 50, 0), kNow);
    registry.Record(Beat("svc", "a", kNow + 30'000, 300, 50, 0), kNow);
    // The first sample fell out: 200 handled, 0 errors over the last three.
    EXPECT_DOUBLE_EQ(*Find(registry.Evaluate(kNow + 30'000), "svc").error_ratio, 0.0);
    // Counters went down (a restart): the window starts again and has no ratio.
    HeartbeatData restarted = Beat("svc", "a", kNow + 40'000, 10, 10, 0);
    restarted.uptime_s = 1;
    registry.Record(restarted, kNow + 40'000);
    EXPECT_FALSE(Find(registry.Evaluate(kNow + 40'000), "svc").error_ratio);
}

TEST(ComponentRegistryTest, IgnoresOutOfOrderExpiredAndExcessInstances) {
    ComponentSettings settings = Settings();
    settings.max_instances = 2;
    ComponentRegistry registry(settings);
    EXPECT_EQ(registry.Record(Beat("svc", "a", kNow), kNow), ComponentRegistry::Recorded::kAccepted);
    EXPECT_EQ(registry.Record(Beat("svc", "a", kNow - 1), kNow), ComponentRegistry::Recorded::kOutOfOrder);
    EXPECT_EQ(registry.Record(Beat("svc", "b", kNow - 11 * 60'000), kNow), ComponentRegistry::Recorded::kExpired);
    EXPECT_EQ(registry.Record(Beat("svc", "b", kNow), kNow), ComponentRegistry::Recorded::kAccepted);
    EXPECT_EQ(registry.Record(Beat("svc", "c", kNow), kNow), ComponentRegistry::Recorded::kCapacity);
    EXPECT_EQ(registry.InstanceCount(), 2U);
    EXPECT_EQ(registry.RejectedForCapacity(), 1U);
}

TEST(ComponentRegistryTest, ForgetsAReplacedInstanceButNeverTheLastOne) {
    ComponentRegistry registry(Settings());  // forget_after 10 min
    registry.Record(Beat("svc", "old", kNow), kNow);
    registry.Record(Beat("lonely", "only", kNow), kNow);
    const std::int64_t later = kNow + 11 * 60'000;
    registry.Record(Beat("svc", "new", later), later);
    auto services = registry.Evaluate(later);
    EXPECT_EQ(Find(services, "svc").instances_total, 1) << "old was replaced by new";
    EXPECT_EQ(Find(services, "svc").status, ComponentStatus::kHealthy);
    EXPECT_EQ(Find(services, "lonely").status, ComponentStatus::kDown) << "the last instance stays, DOWN";
    EXPECT_EQ(registry.InstanceCount(), 2U);
}

TEST(ComponentRegistryTest, KeepsTheNewestLeaderAnnouncement) {
    ComponentRegistry registry(Settings());
    EXPECT_FALSE(registry.LatestLeader());
    HeartbeatData a = Beat("health-monitor", "hm-a", kNow);
    a.role = "leader";
    a.alerts_notified = std::vector<std::string>{"f1", "f2"};
    registry.Record(a, kNow);
    HeartbeatData b = Beat("health-monitor", "hm-b", kNow + 5);
    b.role = "follower";
    b.alerts_notified = std::vector<std::string>{};
    registry.Record(b, kNow + 5);
    auto leader = registry.LatestLeader();
    ASSERT_TRUE(leader);
    EXPECT_EQ(leader->instance, "hm-a");
    EXPECT_EQ(leader->alerts_notified, (std::vector<std::string>{"f1", "f2"}));

    // A report only updates the announcement, never liveness.
    HeartbeatData report = Beat("health-monitor", "hm-b", kNow + 10);
    report.report = true;
    report.role = "leader";
    report.alerts_notified = std::vector<std::string>{"f3"};
    registry.Record(report, kNow + 10);
    EXPECT_EQ(registry.LatestLeader()->instance, "hm-b");
    EXPECT_EQ(Find(registry.Evaluate(kNow + 10), "health-monitor").last_seen_ms, kNow + 5);
}

}  // namespace
}  // namespace cosmic::health
