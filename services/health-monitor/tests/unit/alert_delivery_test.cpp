// What receivers get: the Alertmanager webhook JSON (version 4) and the notifications and
// audit-trail events, which must pass the suite's own schema validation.

#include "cosmic/health_monitor/alert_delivery.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::health {
namespace {

AlertTransition Transition(bool firing) {
    Alert a;
    a.name = "HealthConsumerGroupFailing";
    a.severity = Severity::kCritical;
    a.labels = {{"alertname", a.name}, {"severity", "critical"}, {"consumergroup", "metrics-consumer-group"}};
    a.id = AlertId(a.name, a.labels);
    a.fingerprint = Fingerprint(a.id);
    a.resource_id = "metrics-consumer-group";
    a.summary = "metrics-consumer-group is stopped or stalled";
    a.description = "job-metrics/3 STALL (lag 40)";
    a.runbook_url = "docs/runbook.md#cosmicconsumergroupfailing";
    a.state = firing ? AlertState::kFiring : AlertState::kResolved;
    a.started_at_ms = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
    a.resolved_at_ms = firing ? 0 : 1'767'225'660'000;
    return {a, firing};
}

std::string Text(simdjson::dom::element e) { return std::string(std::string_view(e)); }

TEST(AlertmanagerPayloadTest, FiringHasVersion4AndTheZeroEndTime) {
    AlertSettings settings;
    settings.receiver = "health-monitor";
    settings.external_url = "http://health-monitor:8085";
    const std::string body = AlertmanagerPayload(Transition(true), settings);
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(body);
    EXPECT_EQ(Text(doc["version"]), "4");
    EXPECT_EQ(Text(doc["status"]), "firing");
    EXPECT_EQ(Text(doc["receiver"]), "health-monitor");
    EXPECT_EQ(Text(doc["groupKey"]),
              R"({}:{alertname="HealthConsumerGroupFailing", consumergroup="metrics-consumer-group"})");
    EXPECT_EQ(int64_t(doc["truncatedAlerts"]), 0);
    EXPECT_EQ(Text(doc["externalURL"]), "http://health-monitor:8085");
    EXPECT_EQ(Text(doc["commonLabels"]["severity"]), "critical");
    EXPECT_EQ(Text(doc["groupLabels"]["consumergroup"]), "metrics-consumer-group");
    EXPECT_EQ(Text(doc["commonAnnotations"]["runbook_url"]), "docs/runbook.md#cosmicconsumergroupfailing");
    simdjson::dom::array alerts = doc["alerts"];
    ASSERT_EQ(alerts.size(), 1U);
    simdjson::dom::element alert = alerts.at(0);
    EXPECT_EQ(Text(alert["status"]), "firing");
    EXPECT_EQ(Text(alert["startsAt"]), "2026-01-01T00:00:00.000Z");
    EXPECT_EQ(Text(alert["endsAt"]), "0001-01-01T00:00:00Z");
    EXPECT_EQ(Text(alert["fingerprint"]).size(), 16U);
    EXPECT_EQ(Text(alert["generatorURL"]), "http://health-monitor:8085/api/v1/alerts");
    EXPECT_EQ(Text(alert["annotations"]["summary"]), "metrics-consumer-group is stopped or stalled");
    EXPECT_EQ(Text(alert["labels"]["alertname"]), "HealthConsumerGroupFailing");
}

TEST(AlertmanagerPayloadTest, ResolvedCarriesTheEndTime) {
    const std::string body = AlertmanagerPayload(Transition(false), AlertSettings{});
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(body);
    EXPECT_EQ(Text(doc["status"]), "resolved");
    EXPECT_EQ(Text(doc["alerts"].at(0)["status"]), "resolved");
    EXPECT_EQ(Text(doc["alerts"].at(0)["endsAt"]), "2026-01-01T00:01:00.000Z");
}

TEST(AlertEventsTest, TheAuditEventIsAValidAlertOnTheResource) {
    const schema::Event event = AlertAuditEvent(Transition(true));
    schema::Parser parser;
    schema::Event parsed;
    auto violation = parser.Parse(schema::TopicId::kAuditTrail, schema::Serialize(event), parsed);
    ASSERT_FALSE(violation) << violation->ToString();
    EXPECT_EQ(parsed.event_type, "audit.alert");
    EXPECT_EQ(parsed.action, schema::AuditAction::kAlert);
    EXPECT_EQ(parsed.resource_id, "metrics-consumer-group");
    EXPECT_EQ(parsed.source, "health-monitor");
    simdjson::dom::parser json;
    simdjson::dom::element payload = json.parse(parsed.payload);
    EXPECT_EQ(Text(payload["state"]), "firing");
    EXPECT_EQ(Text(payload["alertname"]), "HealthConsumerGroupFailing");
}

TEST(AlertEventsTest, TheNotificationGoesToTheAdminUserInApp) {
    const AlertTransition resolved = Transition(false);
    const schema::Event event = AlertNotificationEvent(resolved, "admin");
    schema::Parser parser;
    schema::Event parsed;
    auto violation = parser.Parse(schema::TopicId::kNotifications, schema::Serialize(event), parsed);
    ASSERT_FALSE(violation) << violation->ToString();
    EXPECT_EQ(parsed.user_id, "admin");
    EXPECT_EQ(parsed.channel, schema::Channel::kInApp);
    EXPECT_EQ(parsed.event_type, "notification.sent");
    // Fire and resolve of one occurrence share the correlation id.
    EXPECT_EQ(parsed.correlation_id, AlertNotificationEvent(Transition(true), "admin").correlation_id);
    simdjson::dom::parser json;
    simdjson::dom::element payload = json.parse(parsed.payload);
    EXPECT_EQ(Text(payload["state"]), "resolved");
    EXPECT_EQ(Text(payload["resolved_at"]), "2026-01-01T00:01:00.000Z");
}

}  // namespace
}  // namespace cosmic::health
