#include "cosmic/schema/topics.hpp"

#include <gtest/gtest.h>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/fields.hpp"

namespace cosmic::schema {
namespace {

using std::chrono::hours;

TEST(Topics, TableMatchesTheDesign) {
    struct Row {
        const char* name;
        int partitions;
        int retention_days;
        const char* key;
        const char* compression;
    };
    const Row expected[] = {
        {"job-lifecycle", 10, 30, "job_id", "gzip"},    {"job-metrics", 20, 30, "job_id", "lz4"},
        {"notifications", 5, 7, "user_id", "lz4"},      {"audit-trail", 5, 90, "resource_id", "gzip"},
        {"system-health", 3, 7, "component_id", "lz4"}, {"job-commands", 10, 7, "job_id", "lz4"},
    };
    const auto topics = AllTopics();
    ASSERT_EQ(topics.size(), std::size(expected));
    for (std::size_t i = 0; i < topics.size(); ++i) {
        SCOPED_TRACE(expected[i].name);
        EXPECT_EQ(static_cast<std::size_t>(topics[i].id), i);
        EXPECT_EQ(topics[i].name, expected[i].name);
        EXPECT_EQ(topics[i].partitions, expected[i].partitions);
        EXPECT_EQ(topics[i].retention, hours(24 * expected[i].retention_days));
        EXPECT_EQ(topics[i].key_field_name, expected[i].key);
        EXPECT_EQ(topics[i].compression, expected[i].compression);
        EXPECT_EQ(topics[i].avro_file, std::string(expected[i].name) + ".avsc");
        EXPECT_EQ(&Spec(topics[i].id), &topics[i]);
        EXPECT_EQ(FindTopic(expected[i].name), &topics[i]);
    }
    EXPECT_EQ(kDlqRetention, hours(24 * 30));
}

TEST(Topics, EventTypes) {
    const auto& lifecycle = Spec(TopicId::kJobLifecycle);
    EXPECT_EQ(lifecycle.event_types.size(), 6U);
    EXPECT_TRUE(IsKnownEventType(lifecycle, "job.cancelled"));
    EXPECT_FALSE(IsKnownEventType(lifecycle, "job.metrics"));
    EXPECT_FALSE(IsKnownEventType(lifecycle, "job."));
    EXPECT_TRUE(IsKnownEventType(Spec(TopicId::kJobMetrics), "job.metrics"));
    EXPECT_TRUE(IsKnownEventType(Spec(TopicId::kNotifications), "notification.failed"));
    EXPECT_TRUE(IsKnownEventType(Spec(TopicId::kSystemHealth), "health.heartbeat"));
    EXPECT_TRUE(IsKnownEventType(Spec(TopicId::kJobCommands), "command.report"));
    for (std::size_t i = 0; i < AuditActionNames().size(); ++i) {
        const auto action = static_cast<AuditAction>(i);
        std::string lower(ToString(action));
        for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        EXPECT_EQ(AuditEventType(action), "audit." + lower);
        EXPECT_TRUE(IsKnownEventType(Spec(TopicId::kAuditTrail), AuditEventType(action)));
    }
}

TEST(Topics, DeadLetterNames) {
    EXPECT_EQ(DlqTopicName("job-lifecycle"), "job-lifecycle.dlq");
    EXPECT_TRUE(IsDlqTopic("job-lifecycle.dlq"));
    EXPECT_FALSE(IsDlqTopic("job-lifecycle"));
    EXPECT_FALSE(IsDlqTopic(".dlq"));
    EXPECT_EQ(DlqSourceTopic("audit-trail.dlq"), "audit-trail");
    EXPECT_EQ(DlqSourceTopic("audit-trail"), "audit-trail");
    EXPECT_EQ(FindTopic("job-lifecycle.dlq"), nullptr);
    EXPECT_EQ(FindTopic("nope"), nullptr);
}

TEST(Topics, EnumNamesRoundTrip) {
    for (std::size_t i = 0; i < ChannelNames().size(); ++i) {
        EXPECT_EQ(ParseChannel(ToString(static_cast<Channel>(i))), static_cast<Channel>(i));
    }
    for (std::size_t i = 0; i < AuditActionNames().size(); ++i) {
        EXPECT_EQ(ParseAuditAction(ToString(static_cast<AuditAction>(i))), static_cast<AuditAction>(i));
    }
    for (std::size_t i = 0; i < HealthStatusNames().size(); ++i) {
        EXPECT_EQ(ParseHealthStatus(ToString(static_cast<HealthStatus>(i))), static_cast<HealthStatus>(i));
    }
    EXPECT_EQ(ToString(Channel::kInApp), "in_app");
    EXPECT_EQ(ToString(AuditAction::kStateChange), "STATE_CHANGE");
    EXPECT_EQ(ToString(HealthStatus::kUnhealthy), "UNHEALTHY");
    EXPECT_FALSE(ParseChannel("Email"));
    EXPECT_FALSE(ParseAuditAction("state_change"));
    EXPECT_FALSE(ParseHealthStatus(""));
}

TEST(Topics, EveryTopicsFieldTableHasTheEnvelopeAndItsKey) {
    for (const auto& topic : AllTopics()) {
        SCOPED_TRACE(topic.name);
        const auto fields = TopLevelFields(topic.id);
        ASSERT_GE(fields.size(), 9U);
        EXPECT_EQ(fields.front().name, "event_id");
        EXPECT_EQ(fields.back().name, "payload");
        bool has_key = false;
        for (const auto& field : fields) {
            if (field.name == topic.key_field_name) {
                has_key = true;
                EXPECT_TRUE(field.required);
                EXPECT_TRUE(field.non_empty);
            }
        }
        EXPECT_TRUE(has_key);
    }
}

}  // namespace
}  // namespace cosmic::schema
