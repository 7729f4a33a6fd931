// The alert engine: fire once, resolve once, hysteresis against flapping, fire_after, bounds,
// and the delivery bookkeeping a leadership handover relies on.

#include "cosmic/health_monitor/alert_engine.hpp"

#include <gtest/gtest.h>

namespace cosmic::health {
namespace {

using std::chrono::milliseconds;

AlertSettings Settings(milliseconds fire_after = milliseconds(0), milliseconds resolve_after = milliseconds(60'000)) {
    AlertSettings s;
    s.fire_after = fire_after;
    s.resolve_after = resolve_after;
    s.history = 3;
    s.max_active = 10;
    return s;
}

AlertCondition Down(const std::string& component, bool active = true) {
    AlertCondition c;
    c.name = "HealthComponentDown";
    c.severity = Severity::kCritical;
    c.labels = {{"component", component}};
    c.resource_id = component;
    c.summary = component + " is down";
    c.active = active;
    return c;
}

TEST(AlertIdentityTest, IdAndFingerprintAreStable) {
    EXPECT_EQ(AlertId("X", {{"b", "2"}, {"a", "1"}, {"severity", "critical"}}), R"(X{a="1",b="2"})");
    EXPECT_EQ(Fingerprint("X{}"), Fingerprint("X{}"));
    EXPECT_NE(Fingerprint("X{}"), Fingerprint("Y{}"));
    EXPECT_EQ(Fingerprint("X{}").size(), 16U);
}

TEST(AlertEngineTest, FiresOnceWhileTheConditionHolds) {
    AlertEngine engine(Settings());
    auto t = engine.Evaluate({Down("svc")}, 1000);
    ASSERT_EQ(t.size(), 1U);
    EXPECT_TRUE(t[0].firing);
    EXPECT_EQ(t[0].alert.id, R"(HealthComponentDown{component="svc"})");
    EXPECT_EQ(t[0].alert.labels.at("alertname"), "HealthComponentDown");
    EXPECT_EQ(t[0].alert.labels.at("severity"), "critical");
    EXPECT_EQ(t[0].alert.started_at_ms, 1000);
    for (int i = 1; i <= 5; ++i) EXPECT_TRUE(engine.Evaluate({Down("svc"), Down("svc")}, 1000 + i * 1000).empty());
    ASSERT_EQ(engine.Firing().size(), 1U);
    EXPECT_EQ(engine.FiringCount(Severity::kCritical), 1U);
    EXPECT_EQ(engine.FiringCount(Severity::kWarning), 0U);
}

TEST(AlertEngineTest, ResolvesOnceAfterTheConditionStayedClearForResolveAfter) {
    AlertEngine engine(Settings(milliseconds(0), milliseconds(10'000)));
    engine.Evaluate({Down("svc")}, 0);
    EXPECT_TRUE(engine.Evaluate({}, 1'000).empty());
    EXPECT_TRUE(engine.Evaluate({}, 10'999).empty());
    auto t = engine.Evaluate({}, 11'000);
    ASSERT_EQ(t.size(), 1U);
    EXPECT_FALSE(t[0].firing);
    EXPECT_EQ(t[0].alert.state, AlertState::kResolved);
    EXPECT_EQ(t[0].alert.resolved_at_ms, 11'000);
    EXPECT_TRUE(engine.Evaluate({}, 12'000).empty());
    EXPECT_TRUE(engine.Firing().empty());
    ASSERT_EQ(engine.Resolved(10).size(), 1U);
}

TEST(AlertEngineTest, AFlappingConditionKeepsOneAlertFiring) {
    AlertEngine engine(Settings(milliseconds(0), milliseconds(10'000)));
    int fired = 0;
    int resolved = 0;
    for (int i = 0; i < 20; ++i) {
        const bool up = i % 2 == 0;  // true, false, true, ... every 2 s
        for (const auto& t :
             engine.Evaluate(up ? std::vector{Down("svc")} : std::vector<AlertCondition>{}, i * 2'000)) {
            (t.firing ? fired : resolved) += 1;
        }
    }
    EXPECT_EQ(fired, 1);
    EXPECT_EQ(resolved, 0);
}

TEST(AlertEngineTest, TheHysteresisBandHoldsAFiringAlertButDoesNotFireOne) {
    AlertEngine engine(Settings(milliseconds(0), milliseconds(0)));
    // In the band without having fired: nothing.
    EXPECT_TRUE(engine.Evaluate({Down("svc", false)}, 0).empty());
    EXPECT_TRUE(engine.Firing().empty());
    // Above the threshold: fires; back in the band: holds; clear: resolves at once (resolve_after 0).
    EXPECT_EQ(engine.Evaluate({Down("svc")}, 1).size(), 1U);
    EXPECT_TRUE(engine.Evaluate({Down("svc", false)}, 2).empty());
    EXPECT_EQ(engine.Firing().size(), 1U);
    auto t = engine.Evaluate({}, 3);
    ASSERT_EQ(t.size(), 1U);
    EXPECT_FALSE(t[0].firing);
}

TEST(AlertEngineTest, FireAfterNeedsTheConditionToHoldThatLong) {
    AlertEngine engine(Settings(milliseconds(5'000)));
    EXPECT_TRUE(engine.Evaluate({Down("svc")}, 0).empty());
    EXPECT_TRUE(engine.Firing().empty());
    EXPECT_TRUE(engine.Evaluate({}, 1'000).empty()) << "cleared while pending: forgotten";
    EXPECT_TRUE(engine.Evaluate({Down("svc")}, 2'000).empty());
    EXPECT_TRUE(engine.Evaluate({Down("svc")}, 6'999).empty());
    auto t = engine.Evaluate({Down("svc")}, 7'000);
    ASSERT_EQ(t.size(), 1U);
    EXPECT_EQ(t[0].alert.pending_since_ms, 2'000);
}

TEST(AlertEngineTest, HistoryAndActiveAlertsAreBounded) {
    AlertSettings settings = Settings(milliseconds(0), milliseconds(0));
    settings.max_active = 2;
    AlertEngine engine(settings);
    engine.Evaluate({Down("a"), Down("b"), Down("c")}, 0);
    EXPECT_EQ(engine.Firing().size(), 2U);
    EXPECT_EQ(engine.Dropped(), 1U);
    for (int i = 0; i < 5; ++i) {
        engine.Evaluate({Down("x" + std::to_string(i))}, 10 + 2 * i);
        engine.Evaluate({}, 11 + 2 * i);
    }
    EXPECT_EQ(engine.Resolved(100).size(), 3U) << "history = 3";
    EXPECT_EQ(engine.Resolved(100).front().labels.at("component"), "x4") << "newest first";
}

TEST(AlertEngineTest, ReconcileSendsEachFiringAndResolvedAlertOnce) {
    AlertEngine engine(Settings(milliseconds(0), milliseconds(0)));
    engine.Evaluate({Down("a")}, 0);
    auto sends = engine.Reconcile(0);
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_TRUE(sends[0].firing);
    EXPECT_TRUE(engine.Reconcile(1).empty());
    EXPECT_EQ(engine.Notified().size(), 1U);
    engine.Evaluate({}, 2);
    sends = engine.Reconcile(2);
    ASSERT_EQ(sends.size(), 1U);
    EXPECT_FALSE(sends[0].firing);
    EXPECT_TRUE(engine.Reconcile(3).empty());
    EXPECT_TRUE(engine.Notified().empty());
}

TEST(AlertEngineTest, ANewLeaderSendsOnlyWhatThePreviousOneDidNot) {
    // Replica B evaluated the same alerts as follower; the old leader announced a and c.
    AlertEngine follower(Settings(milliseconds(0), milliseconds(0)));
    follower.Evaluate({Down("a"), Down("b"), Down("c")}, 0);
    follower.Evaluate({Down("a"), Down("b")}, 1);  // c resolved here
    const std::string fa = Fingerprint(AlertId("HealthComponentDown", {{"component", "a"}}));
    const std::string fc = Fingerprint(AlertId("HealthComponentDown", {{"component", "c"}}));
    follower.AdoptNotified({fa, fc});
    auto sends = follower.Reconcile(2);
    ASSERT_EQ(sends.size(), 2U);
    EXPECT_TRUE(sends[0].firing);
    EXPECT_EQ(sends[0].alert.labels.at("component"), "b") << "never announced: sent";
    EXPECT_FALSE(sends[1].firing);
    EXPECT_EQ(sends[1].alert.labels.at("component"), "c") << "announced but resolved meanwhile";
    EXPECT_TRUE(follower.Reconcile(3).empty());
}

}  // namespace
}  // namespace cosmic::health
