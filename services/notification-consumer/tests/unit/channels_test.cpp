// The SMTP and webhook clients against real local peers (an in-process SMTP server, a civetweb
// receiver that verifies signatures).

#include <gtest/gtest.h>

#include "cosmic/notification_consumer/smtp_client.hpp"
#include "cosmic/notification_consumer/webhook_client.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

using testing::SmtpSink;

SmtpSettings Smtp(const std::string& url) {
    SmtpSettings settings;
    settings.url = url;
    settings.from = "noreply@cosmic.test";
    settings.starttls = StartTls::kOff;
    settings.timeout = std::chrono::seconds(5);
    return settings;
}

constexpr std::string_view kMail =
    "From: <noreply@cosmic.test>\r\nTo: <u1@example.com>\r\nSubject: hi\r\nMessage-ID: <m1@x>\r\n\r\nline "
    "1\r\n.leading "
    "dot\r\n";

TEST(SmtpClientTest, DeliversToTheSinkAndReusesTheConnection) {
    SmtpSink sink;
    SmtpClient client(Smtp(sink.Url()), nullptr);
    ASSERT_EQ(client.Send("u1@example.com", kMail).kind, SendResult::Kind::kSent);
    ASSERT_EQ(client.Send("u2@example.com", kMail).kind, SendResult::Kind::kSent);
    const auto mails = sink.Mails();
    ASSERT_EQ(mails.size(), 2u);
    EXPECT_EQ(mails[0].from, "<noreply@cosmic.test>");
    EXPECT_EQ(mails[1].to.at(0), "<u2@example.com>");
    EXPECT_EQ(mails[0].Header("Message-ID"), "<m1@x>");
    EXPECT_NE(mails[0].data.find("\r\n.leading dot\r\n"), std::string::npos) << "dot-stuffing round trip";
    EXPECT_EQ(sink.Connections(), 1u) << "one connection for both mails";
}

TEST(SmtpClientTest, ClassifiesFailures) {
    SmtpSink sink;
    SmtpClient client(Smtp(sink.Url()), nullptr);
    sink.SetMode(SmtpSink::Mode::kTransientFailure);
    const SendResult transient = client.Send("u1@example.com", kMail);
    EXPECT_EQ(transient.kind, SendResult::Kind::kRetry) << transient.error;
    sink.SetMode(SmtpSink::Mode::kPermanentFailure);
    const SendResult permanent = client.Send("u1@example.com", kMail);
    EXPECT_EQ(permanent.kind, SendResult::Kind::kPermanent) << permanent.error;
    EXPECT_NE(permanent.error.find("550"), std::string::npos) << permanent.error;

    SmtpClient down(Smtp("smtp://127.0.0.1:" + std::to_string(testing::ClosedPort())), nullptr);
    const SendResult refused = down.Send("u1@example.com", kMail);
    EXPECT_EQ(refused.kind, SendResult::Kind::kRetry) << refused.error;

    SmtpClient unconfigured(Smtp(""), nullptr);
    EXPECT_EQ(unconfigured.Send("u1@example.com", kMail).kind, SendResult::Kind::kPermanent);
}

TEST(WebhookClientTest, SignsEveryPostAndClassifiesStatuses) {
    const std::string secret = "whsec-0123456789abcdef";
    testing::WebhookReceiver receiver({{"u1", secret}});
    WebhookClient client(WebhookSettings{}, nullptr);
    const std::string body = R"({"id":"d1","outcome":"completed"})";
    const std::int64_t now_ms = 1'700'000'123'456;
    ASSERT_EQ(client.Post(receiver.UrlFor("u1"), secret, body, "d1", now_ms).kind, SendResult::Kind::kSent);
    auto hooks = receiver.Hooks();
    ASSERT_EQ(hooks.size(), 1u);
    EXPECT_TRUE(hooks[0].signature_valid);
    EXPECT_EQ(hooks[0].delivery_id, "d1");
    EXPECT_EQ(hooks[0].timestamp, 1'700'000'123);
    EXPECT_EQ(hooks[0].body, body);

    // Signed with another secret: the receiver's check must fail.
    ASSERT_EQ(client.Post(receiver.UrlFor("u1"), "not-the-secret-000", body, "d2", now_ms).kind,
              SendResult::Kind::kSent);
    EXPECT_FALSE(receiver.Hooks().at(1).signature_valid);

    receiver.SetStatus(503);
    EXPECT_EQ(client.Post(receiver.UrlFor("u1"), secret, body, "d3", now_ms).kind, SendResult::Kind::kRetry);
    receiver.SetStatus(429);
    EXPECT_EQ(client.Post(receiver.UrlFor("u1"), secret, body, "d3", now_ms).kind, SendResult::Kind::kRetry);
    receiver.SetStatus(410);
    EXPECT_EQ(client.Post(receiver.UrlFor("u1"), secret, body, "d3", now_ms).kind, SendResult::Kind::kPermanent);
    const SendResult refused =
        client.Post("http://127.0.0.1:" + std::to_string(testing::ClosedPort()) + "/x", secret, body, "d4", now_ms);
    EXPECT_EQ(refused.kind, SendResult::Kind::kRetry) << refused.error;
}

}  // namespace
}  // namespace cosmic::notification
