// The real notification-consumer binary killed with SIGKILL while it delivers, then started
// again on the same database and group: every notification arrives, in-app exactly once, and a
// mail or webhook is repeated only when the kill fell between the receiver taking it and the
// outcome being recorded — at most one per delivery thread, carrying the same Message-ID /
// delivery id, so receivers can drop it.

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sqlite3.h>

#include <set>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/notification_consumer/notify_config.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/testing/service_process.hpp"
#include "cosmic/testing/sqlite_query.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

using std::chrono::seconds;

std::int64_t Query(const std::string& path, const char* sql) { return cosmic::testing::QueryInt64(path, sql); }

class NotificationCrashTest : public kafka::testing::EmbeddedClusterTest {};

TEST_F(NotificationCrashTest, SigkillMidDeliveryLosesNothingAndRepeatsOnlyTheInFlight) {
    constexpr int kEvents = 400;
    constexpr int kWorkers = 4;
    const std::string secret = "whsec-crash-0123456789";
    testing::ScratchDir dir;
    testing::SmtpSink sink;
    testing::WebhookReceiver receiver({{"u1", secret}, {"u2", secret}});
    const auto users = dir.Path() / "users.json";
    std::string json = R"({"users":[)";
    for (const char* user : {"u1", "u2"}) {
        if (json.back() == '}') json += ",";
        json += R"({"user_id":")" + std::string(user) + R"(","email":")" + user + R"(@example.com","webhook_url":")" +
                receiver.UrlFor(user) + R"(","webhook_secret":")" + secret +
                R"(","channels":["email","in_app","webhook"]})";
    }
    testing::WriteFile(users, json + "]}");

    std::map<std::string, std::string, std::less<>> env;
    testing::AddKafkaEnv(cluster_.ClientConfig().properties, env);
    env["KAFKA_SESSION_TIMEOUT_MS"] = "6000";
    env["KAFKA_HEARTBEAT_INTERVAL_MS"] = "500";
    env["KAFKA_AUTO_COMMIT_INTERVAL_MS"] = "200";
    env["COSMIC_HTTP_PORT"] = "0";
    env["COSMIC_HTTP_BIND"] = "127.0.0.1";
    env["COSMIC_TOKENS_FILE"] = testing::WriteTokensFile(dir.Path(), {{"t1", "u1"}});
    env["COSMIC_INSTANCE_ID"] = "notify-crash-1";
    env["COSMIC_DATA_DIR"] = dir.Path().string();
    env["COSMIC_LOG_LEVEL"] = "warn";
    env["COSMIC_USERS_FILE"] = users.string();
    env["COSMIC_SMTP_URL"] = sink.Url();
    env["COSMIC_SMTP_STARTTLS"] = "off";
    env["COSMIC_DELIVERY_WORKERS"] = std::to_string(kWorkers);
    env["COSMIC_CONSUMER_BATCH_MAX_RECORDS"] = "50";
    const std::string db = (dir.Path() / "notifications.db").string();

    std::set<std::string> ids;
    for (int i = 0; i < kEvents; ++i) {
        const std::string id = schema::NewUuid();
        ids.insert(id);
        const std::string job = "job-" + std::to_string(i);
        cluster_.Produce(
            "job-lifecycle", job,
            testing::LifecycleJson(id, i % 3 == 0 ? "job.failed" : "job.completed", job, i % 2 ? "u1" : "u2"));
    }
    cosmic::testing::ServiceProcess notify({.name = "notification-consumer",
                                            .binary = NOTIFICATION_CONSUMER_BIN,
                                            .run_dir = dir.Path(),
                                            .env = {env.begin(), env.end()}});
    // Kill it while mail is flowing: well past the start, well before the end.
    notify.Launch();
    ASSERT_TRUE(testing::WaitUntil([&] { return sink.Count() >= kEvents / 4; }, seconds(90))) << notify.LogTail();
    notify.Kill();
    const std::size_t mails_at_kill = sink.Count();
    EXPECT_LT(mails_at_kill, static_cast<std::size_t>(kEvents)) << "the kill came too late to test anything";

    notify.Launch();
    ASSERT_TRUE(testing::WaitUntil(
        [&] {
            return sink.CountByMessageId().size() == static_cast<std::size_t>(kEvents) &&
                   Query(db, "SELECT COUNT(*) FROM inapp") == kEvents &&
                   Query(db, "SELECT COUNT(*) FROM deliveries WHERE receipt = 1") == 3 * kEvents;
        },
        seconds(120)))
        << "mails " << sink.CountByMessageId().size() << ", in-app " << Query(db, "SELECT COUNT(*) FROM inapp")
        << ", receipts " << Query(db, "SELECT COUNT(*) FROM deliveries WHERE receipt = 1");
    ASSERT_TRUE(testing::WaitUntil([&] { return receiver.Count() >= static_cast<std::size_t>(kEvents); }));
    EXPECT_EQ(notify.Stop(), 0) << notify.LogTail();

    // Nothing lost: every event has its mail, its webhook and its in-app row.
    std::map<std::string, int> hooks_by_id;
    for (const auto& hook : receiver.Hooks()) {
        EXPECT_TRUE(hook.signature_valid);
        ++hooks_by_id[hook.delivery_id];
    }
    EXPECT_EQ(hooks_by_id.size(), static_cast<std::size_t>(kEvents));
    EXPECT_EQ(Query(db, "SELECT COUNT(DISTINCT event_id) FROM inapp"), kEvents);
    EXPECT_EQ(Query(db, "SELECT COUNT(*) FROM deliveries WHERE state = 'sent'"), 3 * kEvents);

    // Repeats only for what was in flight at the kill, same id each time.
    int repeated = 0;
    for (const auto& [id, count] : sink.CountByMessageId()) repeated += count - 1;
    for (const auto& [id, count] : hooks_by_id) repeated += count - 1;
    EXPECT_LE(repeated, kWorkers);
    std::cout << "[ info ] killed after " << mails_at_kill << " of " << kEvents << " mails; " << repeated
              << " deliveries repeated after the restart\n";

    // Receipts: one per (event, channel); a repeat carries the same event_id.
    std::set<std::string> receipt_ids;
    simdjson::dom::parser parser;
    for (const auto& record : cluster_.ConsumeToEnd("notifications")) {
        receipt_ids.emplace(std::string_view(parser.parse(record.value)["event_id"]));
    }
    EXPECT_EQ(receipt_ids.size(), static_cast<std::size_t>(3 * kEvents));
}

}  // namespace
}  // namespace cosmic::notification
