#include <gtest/gtest.h>

#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"
#include "test_events.hpp"

namespace cosmic::schema {
namespace {

using testing::AllEventTypes;
using testing::ExpectSameEvent;
using testing::MakeValidEvent;

TEST(RoundTrip, EveryEventTypeOfEveryTopic) {
    Parser parser;
    Event parsed;
    const auto all = AllEventTypes();
    ASSERT_EQ(all.size(), 20U);  // 6 + 1 + 2 + 6 + 2 + 3
    for (const auto& [topic, type] : all) {
        SCOPED_TRACE(std::string(Spec(topic).name) + " " + std::string(type));
        const Event event = MakeValidEvent(topic, type);
        const std::string wire = Serialize(event);
        const auto violation = parser.Parse(topic, wire, parsed);
        ASSERT_FALSE(violation) << violation->ToString() << "\n" << wire;
        ExpectSameEvent(event, parsed);
        // Serializing what was parsed gives the same bytes back.
        EXPECT_EQ(Serialize(parsed), wire);
    }
}

TEST(RoundTrip, TypedFieldsBecomeThePayloadWhenItIsLeftEmpty) {
    Parser parser;
    Event parsed;
    for (const auto& [topic, type] : AllEventTypes()) {
        Event event = MakeValidEvent(topic, type);
        const std::string full_payload = event.payload;
        if (type == "job.metrics" || type == "job.completed" || type == "job.failed" || type == "job.cancelled") {
            event.payload = "{}";
            ASSERT_FALSE(parser.Parse(topic, Serialize(event), parsed)) << type;
            EXPECT_EQ(parsed.payload, full_payload) << type;
        }
    }
}

TEST(RoundTrip, CompletedWithoutExecutionTimeIsNotInvented) {
    Event event = MakeValidEvent(TopicId::kJobLifecycle, "job.completed");
    event.payload = "{}";
    event.execution_time_ms.reset();
    Parser parser;
    Event parsed;
    const auto violation = parser.Parse(TopicId::kJobLifecycle, Serialize(event), parsed);
    ASSERT_TRUE(violation);
    EXPECT_EQ(violation->ToString(), "payload.execution_time_ms: missing");
}

TEST(RoundTrip, OccurredAtIsFormattedFromMillisecondsWhenTextIsEmpty) {
    Event event = MakeValidEvent(TopicId::kJobLifecycle, "job.queued");
    event.occurred_at.clear();
    event.occurred_at_ms = 1'767'323'045'678;
    Parser parser;
    Event parsed;
    ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, Serialize(event), parsed));
    EXPECT_EQ(parsed.occurred_at, "2026-01-02T03:04:05.678Z");
    EXPECT_EQ(parsed.occurred_at_ms, event.occurred_at_ms);
}

TEST(RoundTrip, ParserReuseDoesNotLeakFieldsBetweenMessages) {
    Parser parser;
    Event parsed;
    ASSERT_FALSE(
        parser.Parse(TopicId::kJobLifecycle, Serialize(MakeValidEvent(TopicId::kJobLifecycle, "job.failed")), parsed));
    EXPECT_FALSE(parsed.error.empty());
    Event second = MakeValidEvent(TopicId::kJobLifecycle, "job.running");
    second.user_id.clear();
    ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, Serialize(second), parsed));
    EXPECT_TRUE(parsed.error.empty());
    EXPECT_TRUE(parsed.error_code.empty());
    EXPECT_FALSE(parsed.execution_time_ms.has_value());
    EXPECT_TRUE(parsed.user_id.empty());
}

TEST(RoundTrip, KeyIsTheTopicsKeyField) {
    EXPECT_EQ(MakeValidEvent(TopicId::kJobLifecycle, "job.queued").Key().substr(0, 4), "job-");
    EXPECT_EQ(MakeValidEvent(TopicId::kNotifications, "notification.sent").Key(), "user-42");
    EXPECT_EQ(MakeValidEvent(TopicId::kAuditTrail, "audit.alert").Key(), "job-7");
    EXPECT_EQ(MakeValidEvent(TopicId::kSystemHealth, "health.report").Key(), "metrics-consumer-0");
}

TEST(RoundTrip, NewEventMatchesAuditActionToEventType) {
    EXPECT_EQ(NewEvent(TopicId::kAuditTrail, "audit.delete", "s").action, AuditAction::kDelete);
    EXPECT_EQ(NewEvent(TopicId::kAuditTrail, "audit.alert", "s").action, AuditAction::kAlert);
}

}  // namespace
}  // namespace cosmic::schema
