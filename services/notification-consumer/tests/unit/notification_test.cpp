#include "cosmic/notification_consumer/notification.hpp"

#include <gtest/gtest.h>

#include "cosmic/notification_consumer/webhook_client.hpp"
#include "cosmic/schema/parser.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

schema::Event Parse(const std::string& json) {
    schema::Parser parser;
    schema::Event event;
    const auto violation = parser.Parse(schema::TopicId::kJobLifecycle, json, event);
    EXPECT_FALSE(violation.has_value()) << violation->ToString();
    return event;
}

TEST(TerminalOutcomeTest, OnlyTheThreeTerminalTypesNotify) {
    EXPECT_EQ(TerminalOutcome("job.completed"), JobOutcome::kCompleted);
    EXPECT_EQ(TerminalOutcome("job.failed"), JobOutcome::kFailed);
    EXPECT_EQ(TerminalOutcome("job.cancelled"), JobOutcome::kCancelled);
    for (const char* other : {"job.submitted", "job.queued", "job.running", "job.status.changed", "job.complete",
                              "job.completed2", "", "completed", "xob.failed"}) {
        EXPECT_FALSE(TerminalOutcome(other).has_value()) << other;
    }
}

TEST(NotificationTest, TextNamesJobOutcomeDurationErrorAndLink) {
    const schema::Event completed =
        Parse(testing::LifecycleJson("3f0c6a3e-8a39-4b0a-9d7e-5b0c3a1d2e4f", "job.completed", "job-7", "u1"));
    Notification n = MakeNotification(completed, JobOutcome::kCompleted, nullptr, "");
    EXPECT_EQ(n.job_name, "nightly-build");
    EXPECT_EQ(Title(n), "Job nightly-build (job-7) completed");
    const std::string body = TextBody(n, "https://ui.example/jobs/");
    EXPECT_NE(body.find("Job id: job-7"), std::string::npos) << body;
    EXPECT_NE(body.find("Duration: 1 min 23.456 s"), std::string::npos) << body;
    EXPECT_NE(body.find("Details: https://ui.example/jobs/job-7"), std::string::npos) << body;
    EXPECT_EQ(n.channels, ChannelSet::Of(schema::Channel::kInApp)) << "unknown users get in-app only";

    const schema::Event failed =
        Parse(testing::LifecycleJson("3f0c6a3e-8a39-4b0a-9d7e-5b0c3a1d2e40", "job.failed", "job-8", "u1"));
    const std::string failed_body = TextBody(MakeNotification(failed, JobOutcome::kFailed, nullptr, ""), "");
    EXPECT_NE(failed_body.find("Error: out of memory"), std::string::npos) << failed_body;
    EXPECT_NE(failed_body.find("Error code: OOM"), std::string::npos) << failed_body;
    EXPECT_EQ(failed_body.find("Details:"), std::string::npos);

    const schema::Event cancelled =
        Parse(testing::LifecycleJson("3f0c6a3e-8a39-4b0a-9d7e-5b0c3a1d2e41", "job.cancelled", "job-9", "u1"));
    EXPECT_NE(
        TextBody(MakeNotification(cancelled, JobOutcome::kCancelled, nullptr, ""), "").find("Reason: user request"),
        std::string::npos);
}

TEST(NotificationTest, MailHeadersCannotBeInjectedAndNonAsciiSubjectsAreEncoded) {
    const schema::Event event = Parse(testing::LifecycleJson("3f0c6a3e-8a39-4b0a-9d7e-5b0c3a1d2e4f", "job.completed",
                                                             "job-7", "u1", "evil\r\nBcc: victim@x.y"));
    User user;
    user.user_id = "u1";
    user.email = "u1@example.com";
    user.channels.Add(schema::Channel::kEmail);
    const Notification n = MakeNotification(event, JobOutcome::kCompleted, &user, "");
    const std::string mail = EmailMessage(n, "noreply@example.com", "", 1'700'000'000'000);
    EXPECT_EQ(mail.find("\r\nBcc:"), std::string::npos) << mail;
    EXPECT_NE(mail.find("To: <u1@example.com>\r\n"), std::string::npos);
    EXPECT_NE(mail.find("Message-ID: <" + DeliveryId(n.event_id, schema::Channel::kEmail) + "@cosmic-horizons>"),
              std::string::npos);

    const schema::Event accented =
        Parse(testing::LifecycleJson("3f0c6a3e-8a39-4b0a-9d7e-5b0c3a1d2e4f", "job.completed", "job-7", "u1", "café"));
    const std::string mail2 =
        EmailMessage(MakeNotification(accented, JobOutcome::kCompleted, &user, ""), "a@b.c", "", 0);
    EXPECT_NE(mail2.find("Subject: =?UTF-8?B?"), std::string::npos) << mail2;
}

TEST(NotificationTest, DeliveryIdsAreStablePerEventAndChannel) {
    const std::string a = DeliveryId("e1", schema::Channel::kEmail);
    EXPECT_EQ(a, DeliveryId("e1", schema::Channel::kEmail));
    EXPECT_NE(a, DeliveryId("e1", schema::Channel::kWebhook));
    EXPECT_NE(a, DeliveryId("e2", schema::Channel::kEmail));
    ASSERT_EQ(a.size(), 36u);
    EXPECT_EQ(a[14], '8');  // version 8
}

TEST(NotificationTest, WebhookSignatureIsHmacSha256OverTimestampDotBody) {
    // Reference value from Python: hmac.new(secret, b'1700000000.{"id":"x"}', sha256).hexdigest()
    EXPECT_EQ(WebhookSignature("whsec-0123456789abcdef", "1700000000", R"({"id":"x"})"),
              "sha256=ffcc3087b2ccc7bc8c7614f2a2500a2cb8605108d6b4bb72c037de4f60d0bd08");
}

TEST(NotificationTest, FormatsDurations) {
    EXPECT_EQ(FormatDuration(0), "0.000 s");
    EXPECT_EQ(FormatDuration(1'500), "1.500 s");
    EXPECT_EQ(FormatDuration(3'723'004), "1 h 2 min 3.004 s");
}

}  // namespace
}  // namespace cosmic::notification
