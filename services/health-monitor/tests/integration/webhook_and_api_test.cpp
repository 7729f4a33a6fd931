// The webhook sender against a real HTTP receiver (retries, give-ups, the bounded queue, order)
// and the HTTP surface of the service (auth, parameters, the page), without Kafka.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include "cosmic/health_monitor/alert_delivery.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "health_test_support.hpp"

namespace cosmic::health {
namespace {

using std::chrono::milliseconds;
using testing::WaitUntil;

WebhookSettings Fast(const std::string& url) {
    WebhookSettings s;
    s.url = url;
    s.queue_max = 3;
    s.timeout = milliseconds(2000);
    s.max_attempts = 3;
    s.backoff_base = milliseconds(10);
    s.backoff_max = milliseconds(40);
    return s;
}

/// cosmic_alert_notifications_total{channel="webhook",result=...}
long Count(prometheus::Registry& registry, const std::string& result) {
    for (const auto& family : registry.Collect()) {
        if (family.name != "cosmic_alert_notifications_total") continue;
        for (const auto& metric : family.metric) {
            bool match = false;
            for (const auto& label : metric.label) match = match || (label.name == "result" && label.value == result);
            if (match) return static_cast<long>(metric.counter.value);
        }
    }
    return -1;
}

TEST(WebhookSenderTest, RetriesServerErrorsAndDeliversInOrder) {
    testing::WebhookReceiver receiver(2);  // two 503s, then 200
    prometheus::Registry registry;
    WebhookSender sender(Fast(receiver.Url()), registry);
    sender.Start();
    sender.Enqueue(R"({"n":1})");
    sender.Enqueue(R"({"n":2})");
    ASSERT_TRUE(WaitUntil([&] { return receiver.Bodies().size() == 2; }));
    EXPECT_EQ(receiver.Bodies(), (std::vector<std::string>{R"({"n":1})", R"({"n":2})"}));
    EXPECT_EQ(receiver.Requests(), 4);
    sender.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    EXPECT_EQ(sender.Pending(), 0U);
}

TEST(WebhookSenderTest, GivesUpAfterMaxAttemptsAndOnClientErrors) {
    testing::WebhookReceiver down(100);  // always 503
    prometheus::Registry registry;
    WebhookSender sender(Fast(down.Url()), registry);
    sender.Start();
    sender.Enqueue("{}");
    ASSERT_TRUE(WaitUntil([&] { return sender.Pending() == 0; }));
    EXPECT_EQ(down.Requests(), 3) << "webhook.max_attempts";

    EXPECT_EQ(Count(registry, "failed"), 1);
    EXPECT_EQ(Count(registry, "retried"), 2);

    // A 404 (wrong path) is given up at once.
    prometheus::Registry other;
    WebhookSender wrong(Fast(down.Url() + "-missing"), other);
    wrong.Start();
    wrong.Enqueue("{}");
    ASSERT_TRUE(WaitUntil([&] { return wrong.Pending() == 0; }));
    EXPECT_EQ(Count(other, "failed"), 1);
    EXPECT_EQ(Count(other, "retried"), 0);
    wrong.Stop(std::chrono::steady_clock::now());
    sender.Stop(std::chrono::steady_clock::now());
}

TEST(WebhookSenderTest, AFullQueueDropsTheOldest) {
    testing::WebhookReceiver receiver;
    prometheus::Registry registry;
    WebhookSender sender(Fast(receiver.Url()), registry);           // queue_max 3
    for (int i = 0; i < 5; ++i) sender.Enqueue(std::to_string(i));  // before Start: nothing drains yet
    EXPECT_EQ(sender.Pending(), 3U);
    EXPECT_EQ(Count(registry, "dropped"), 2);
    sender.Start();
    ASSERT_TRUE(WaitUntil([&] { return receiver.Bodies().size() == 3; }));
    EXPECT_EQ(receiver.Bodies(), (std::vector<std::string>{"2", "3", "4"}));
    sender.Stop(std::chrono::steady_clock::now() + std::chrono::seconds(5));
}

TEST(HealthApiTest, AuthParametersAndThePage) {
    testing::TempDir dir;
    service::Environment env{{"KAFKA_ENABLED", "false"},
                             {"COSMIC_HTTP_PORT", "0"},
                             {"COSMIC_HTTP_BIND", "127.0.0.1"},
                             {"COSMIC_TOKENS_FILE", testing::WriteTokens(dir.Path())},
                             {"COSMIC_DATA_DIR", dir.Path().string()},
                             {"COSMIC_ALERTS_EVALUATE_INTERVAL_MS", "50"},
                             {"COSMIC_COMPONENTS_EXPECTED", "metrics-consumer"},
                             {"COSMIC_HA_ENABLED", "false"}};
    testing::HealthInstance monitor(env);
    const int port = monitor.Port();
    EXPECT_EQ(testing::HttpGet(port, "/api/v1/health").status, 401);
    EXPECT_EQ(testing::HttpGet(port, "/api/v1/alerts", "wrong").status, 401);
    EXPECT_EQ(testing::HttpGet(port, "/api/v1/alerts?state=maybe", testing::kAdminToken).status, 400);
    EXPECT_EQ(testing::HttpGet(port, "/api/v1/alerts?limit=0", testing::kAdminToken).status, 400);
    EXPECT_EQ(testing::HttpGet(port, "/api/v1/alerts?limit=x", testing::kAdminToken).status, 400);

    // An expected service never heard of is DOWN and its alert fires (Kafka off: nothing is sent).
    ASSERT_TRUE(WaitUntil([&] { return monitor.HealthField("alerts.0.alertname") == "HealthComponentDown"; }));
    const auto firing = testing::HttpGet(port, "/api/v1/alerts?state=firing&limit=1", testing::kAdminToken);
    EXPECT_EQ(firing.status, 200);
    EXPECT_NE(firing.body.find(R"("resource_id":"metrics-consumer")"), std::string::npos) << firing.body;
    EXPECT_EQ(monitor.HealthField("status"), "UNHEALTHY");
    EXPECT_EQ(monitor.HealthField("cluster.status"), "UNKNOWN");

    const auto page = testing::HttpGet(port, "/");
    EXPECT_EQ(page.status, 200);
    EXPECT_NE(page.body.find("/ws/health"), std::string::npos);
    EXPECT_EQ(monitor.Stop(), service::kExitOk);
}

}  // namespace
}  // namespace cosmic::health
