// The whole service in its runtime (ServiceHost, as RunMain assembles it) on the embedded
// cluster, with a real SMTP sink, webhook receiver and WebSocket client.

#include "cosmic/notification_consumer/notification_service.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <thread>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

using kafka::testing::ConsumedRecord;
using std::chrono::seconds;
using testing::Http;
using testing::LifecycleJson;
using testing::WaitUntil;

constexpr std::string_view kTopic = "job-lifecycle";
const std::string kSecret = "whsec-alice-0123456789";

class NotificationServiceTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    NotificationServiceTest() : receiver_({{"alice", kSecret}, {"carol", kSecret}}) {
        users_path_ = (dir_.Path() / "users.json").string();
        WriteUsers(false);
        env_["COSMIC_HTTP_PORT"] = "0";
        env_["COSMIC_HTTP_BIND"] = "127.0.0.1";
        env_["COSMIC_TOKENS_FILE"] = testing::WriteTokensFile(
            dir_.Path(), {{"alice-token", "alice"}, {"bob-token", "bob"}, {"carol-token", "carol"}});
        env_["COSMIC_INSTANCE_ID"] = "notify-test-1";
        env_["COSMIC_DATA_DIR"] = (dir_.Path() / "data").string();
        env_["COSMIC_LOG_LEVEL"] = "warn";
        env_["COSMIC_HEARTBEAT_INTERVAL_MS"] = "0";
        env_["COSMIC_USERS_FILE"] = users_path_;
        env_["COSMIC_USERS_RELOAD_INTERVAL_MS"] = "100";
        env_["COSMIC_SMTP_URL"] = sink_.Url();
        env_["COSMIC_SMTP_STARTTLS"] = "off";
        env_["COSMIC_DELIVERY_BACKOFF_BASE_MS"] = "10";
        env_["COSMIC_DELIVERY_BACKOFF_MAX_MS"] = "40";
        env_["COSMIC_DELIVERY_HOLD_MS"] = "200";
        env_["COSMIC_STORE_DURABLE"] = "false";
        env_["COSMIC_LINK_BASE_URL"] = "https://cosmic.test/jobs/";
        testing::AddKafkaEnv(cluster_.ClientConfig().properties, env_);
        env_["KAFKA_AUTO_COMMIT_INTERVAL_MS"] = "100";
    }
    ~NotificationServiceTest() override { Stop(); }

    void WriteUsers(bool with_carol) {
        std::string users = R"({"users":[{"user_id":"alice","email":"alice@example.com","webhook_url":")" +
                            receiver_.UrlFor("alice") + R"(","webhook_secret":")" + kSecret +
                            R"(","channels":["email","in_app","websocket","webhook"]},)" +
                            R"({"user_id":"bob","email":"bob@example.com","channels":["email","in_app"]})";
        if (with_carol) {
            users += R"(,{"user_id":"carol","webhook_url":")" + receiver_.UrlFor("carol") + R"(","webhook_secret":")" +
                     kSecret + R"(","channels":["webhook","in_app"]})";
        }
        testing::WriteFile(users_path_, users + "]}");
    }

    void Start() {
        host_ = std::make_unique<service::ServiceHost<NotificationService>>("notification-consumer", env_);
        thread_ = std::thread([this] { exit_code_ = host_->GetRuntime().Run(); });
        ASSERT_TRUE(host_->GetRuntime().WaitUntilRunning(std::chrono::steady_clock::now() + seconds(30)));
        ASSERT_TRUE(WaitUntil([this] { return Http("GET", Port(), "/readyz").status == 200; }, seconds(60)));
    }
    void Stop() {
        if (!host_) return;
        host_->GetRuntime().RequestStop();
        if (thread_.joinable()) thread_.join();
        EXPECT_EQ(exit_code_, service::kExitOk);
        host_.reset();
    }
    int Port() { return host_->GetRuntime().HttpPort(); }
    NotificationService& Service() { return host_->Service(); }

    std::string Produce(std::string_view type, const std::string& job, const std::string& user) {
        const std::string id = schema::NewUuid();
        cluster_.Produce(kTopic, job, LifecycleJson(id, type, job, user));
        return id;
    }

    /// Committed offset of every partition reached its high watermark.
    bool AllCommitted(std::string_view group = kConsumerGroup) {
        const auto committed = cluster_.CommittedOffsets(group, kTopic, seconds(5));
        for (int p = 0; p < 10; ++p) {
            const auto [low, high] = cluster_.Watermarks(kTopic, p, seconds(5));
            if (high == 0) continue;
            const auto it = committed.find(p);
            if (it == committed.end() || it->second < high) return false;
        }
        return true;
    }

    std::vector<ConsumedRecord> Receipts(std::size_t count) {
        return cluster_.ConsumeAll("notifications", count, seconds(30));
    }

    testing::ScratchDir dir_;
    testing::SmtpSink sink_;
    testing::WebhookReceiver receiver_;
    std::string users_path_;
    service::Environment env_;
    std::unique_ptr<service::ServiceHost<NotificationService>> host_;
    std::thread thread_;
    int exit_code_ = -1;
    simdjson::dom::parser json_;
};

TEST_F(NotificationServiceTest, SkipsOtherTypesAndDeliversATerminalEventOnEveryChannel) {
    Start();
    testing::WsClient ws(Port(), "/ws/notifications?access_token=alice-token");
    ASSERT_EQ(ws.Status(), 101);
    ASSERT_TRUE(WaitUntil([&] { return Service().Hub().ConnectionsOf("alice") == 1; }));
    testing::WsClient anonymous(Port(), "/ws/notifications");
    EXPECT_NE(anonymous.Status(), 101) << "no token, no socket";

    for (const char* type : {"job.submitted", "job.queued", "job.running"}) Produce(type, "job-1", "alice");
    Produce("job.running", "job-2", "alice");
    const std::string id = Produce("job.completed", "job-1", "alice");
    Produce("job.queued", "job-3", "alice");

    // WebSocket push.
    const auto frame = ws.ReadText(seconds(30));
    ASSERT_TRUE(frame.has_value());
    simdjson::dom::element pushed = json_.parse(*frame);
    EXPECT_EQ(std::string_view(pushed["type"]), "notification");
    EXPECT_EQ(std::string_view(pushed["notification"]["event_id"]), id);
    EXPECT_EQ(std::string_view(pushed["notification"]["link"]), "https://cosmic.test/jobs/job-1");

    // Mail.
    ASSERT_TRUE(WaitUntil([&] { return sink_.Count() == 1; }));
    const auto mail = sink_.Mails()[0];
    EXPECT_EQ(mail.to.at(0), "<alice@example.com>");
    EXPECT_EQ(mail.Header("Subject"), "Job nightly-build (job-1) completed");
    EXPECT_NE(mail.data.find("Duration: 1 min 23.456 s"), std::string::npos) << mail.data;
    EXPECT_NE(mail.data.find("https://cosmic.test/jobs/job-1"), std::string::npos);

    // Webhook, signed with alice's secret.
    ASSERT_TRUE(WaitUntil([&] { return receiver_.Count() == 1; }));
    const auto hook = receiver_.Hooks()[0];
    EXPECT_TRUE(hook.signature_valid);
    EXPECT_EQ(hook.delivery_id, DeliveryId(id, schema::Channel::kWebhook));
    EXPECT_EQ(std::string_view(json_.parse(hook.body)["outcome"]), "completed");

    // In-app, for alice only.
    ASSERT_TRUE(WaitUntil([&] {
        return Http("GET", Port(), "/api/v1/notifications", "alice-token").body.find(id) != std::string::npos;
    }));
    EXPECT_EQ(Http("GET", Port(), "/api/v1/notifications", "bob-token").body.find(id), std::string::npos);
    EXPECT_EQ(Http("GET", Port(), "/api/v1/notifications").status, 401);

    // One receipt per channel on `notifications`, keyed by the user.
    const auto receipts = Receipts(4);
    ASSERT_EQ(receipts.size(), 4u);
    std::set<std::string> channels;
    for (const auto& receipt : receipts) {
        EXPECT_EQ(receipt.key, std::optional<std::string>("alice"));
        simdjson::dom::element r = json_.parse(receipt.value);
        EXPECT_EQ(std::string_view(r["event_type"]), "notification.sent");
        EXPECT_EQ(std::string_view(r["correlation_id"]), "corr-job-1");
        EXPECT_EQ(std::string_view(r["payload"]["source_event_id"]), id);
        EXPECT_EQ(int64_t(r["payload"]["attempts"]), 1);
        channels.emplace(std::string_view(r["channel"]));
        EXPECT_EQ(std::string_view(r["event_id"]),
                  DeliveryId(id, *schema::ParseChannel(std::string_view(r["channel"]))));
    }
    EXPECT_EQ(channels, (std::set<std::string>{"email", "in_app", "websocket", "webhook"}));
    ASSERT_TRUE(WaitUntil([&] { return AllCommitted(); }));
    EXPECT_EQ(Service().Metrics().SkippedEvents(), 5u);
    EXPECT_EQ(sink_.Count(), 1u);
}

TEST_F(NotificationServiceTest, SmtpDownRetriesThenPublishesFailedWhileThePartitionKeepsFlowing) {
    env_["COSMIC_SMTP_URL"] = "smtp://127.0.0.1:" + std::to_string(testing::ClosedPort());
    env_["COSMIC_DELIVERY_MAX_ATTEMPTS"] = "3";
    Start();
    std::set<std::string> ids;
    // One key, so every event is on one partition: each must get past the failing channel.
    for (int i = 0; i < 12; ++i) ids.insert(Produce(i % 2 ? "job.failed" : "job.cancelled", "job-77", "bob"));
    const auto receipts = Receipts(24);
    ASSERT_EQ(receipts.size(), 24u);
    std::set<std::string> failed_sources;
    std::size_t sent_in_app = 0;
    for (const auto& receipt : receipts) {
        simdjson::dom::element r = json_.parse(receipt.value);
        const std::string_view channel = r["channel"];
        if (channel == "email") {
            EXPECT_EQ(std::string_view(r["event_type"]), "notification.failed");
            EXPECT_EQ(int64_t(r["payload"]["attempts"]), 3);
            EXPECT_NE(std::string_view(r["payload"]["error"]).find("smtp"), std::string_view::npos);
            failed_sources.emplace(std::string_view(r["payload"]["source_event_id"]));
        } else {
            EXPECT_EQ(channel, "in_app");
            EXPECT_EQ(std::string_view(r["event_type"]), "notification.sent");
            ++sent_in_app;
        }
    }
    EXPECT_EQ(failed_sources, ids);
    EXPECT_EQ(sent_in_app, 12u);
    ASSERT_TRUE(WaitUntil([&] { return AllCommitted(); }));
    EXPECT_GE(Service().Metrics().RetriesTotal(), 24u);
    EXPECT_EQ(Service().Metrics().Total(DeliveryState::kFailed), 12u);
}

TEST_F(NotificationServiceTest, ARedeliveredEventSendsNothingTwice) {
    Start();
    for (int i = 0; i < 3; ++i) Produce("job.completed", "job-" + std::to_string(i), "alice");
    ASSERT_TRUE(WaitUntil([&] { return sink_.Count() == 3 && receiver_.Count() == 3; }));
    ASSERT_TRUE(WaitUntil([&] { return AllCommitted(); }));
    Stop();

    // As if the offsets were lost (a rebalance before the commit, a reset): the same store reads
    // the topic from the start again, under a group that has committed nothing.
    env_["COSMIC_CONSUMER_GROUP_ID"] = "notifications-replay-group";
    Start();
    Produce("job.completed", "job-9", "alice");
    ASSERT_TRUE(WaitUntil([&] { return sink_.Count() >= 4 && AllCommitted("notifications-replay-group"); }));
    EXPECT_EQ(sink_.Count(), 4u);
    EXPECT_EQ(receiver_.Count(), 4u);
    for (const auto& [message_id, count] : sink_.CountByMessageId()) EXPECT_EQ(count, 1) << message_id;
    const auto page = Http("GET", Port(), "/api/v1/notifications?limit=100", "alice-token");
    EXPECT_EQ(json_.parse(page.body)["notifications"].get_array().size(), 4u);
    // Mail, in-app and webhook per event (no WebSocket client: skipped, no receipt); none repeated.
    EXPECT_EQ(cluster_.ConsumeToEnd("notifications").size(), 12u);
    EXPECT_EQ(Service().Metrics().Total(DeliveryState::kSent), 3u) << "only job-9's mail, in-app and webhook";
}

TEST_F(NotificationServiceTest, AChangedUserDirectoryAppliesWithoutARestart) {
    Start();
    Produce("job.completed", "job-c1", "carol");
    ASSERT_TRUE(WaitUntil([&] {
        return Http("GET", Port(), "/api/v1/notifications", "carol-token").body.find("job-c1") != std::string::npos;
    }));
    EXPECT_EQ(receiver_.Count(), 0u) << "unknown user: in-app only";
    EXPECT_EQ(Service().Metrics().UnknownUsers(), 1u);

    WriteUsers(true);
    ASSERT_TRUE(WaitUntil([&] { return Service().Users().Snapshot()->Find("carol") != nullptr; }));
    Produce("job.failed", "job-c2", "carol");
    ASSERT_TRUE(WaitUntil([&] { return receiver_.Count() == 1; }));
    EXPECT_EQ(receiver_.Hooks()[0].user_id, "carol");
    EXPECT_TRUE(receiver_.Hooks()[0].signature_valid);

    // A broken file keeps the directory in use.
    testing::WriteFile(users_path_, R"({"users":[{"user_id":"carol","channels":["pigeon"]}]})");
    ASSERT_TRUE(WaitUntil([&] { return !Service().Users().LastError().empty(); }));
    EXPECT_NE(Service().Users().Snapshot()->Find("alice"), nullptr);
}

TEST_F(NotificationServiceTest, InvalidRecordsAreDeadLetteredAndTheRestFlows) {
    Start();
    cluster_.Produce(kTopic, std::string("job-x"), R"({"event_id":"broken")");
    const std::string id = Produce("job.completed", "job-x", "bob");
    const auto dead = cluster_.ConsumeAll("job-lifecycle.dlq", 1, seconds(30));
    ASSERT_EQ(dead.size(), 1u);
    EXPECT_EQ(dead[0].value, R"({"event_id":"broken")");
    EXPECT_EQ(dead[0].Header("dlq.error.class"), std::optional<std::string>("invalid_event"));
    EXPECT_EQ(dead[0].Header("dlq.consumer.group"), std::optional<std::string>(std::string(kConsumerGroup)));
    ASSERT_TRUE(WaitUntil([&] { return sink_.Count() == 1; }));
    ASSERT_TRUE(WaitUntil([&] { return AllCommitted(); }));
    EXPECT_EQ(cluster_.ConsumeToEnd("job-lifecycle.dlq").size(), 1u) << "dead-lettered once";
}

}  // namespace
}  // namespace cosmic::notification
