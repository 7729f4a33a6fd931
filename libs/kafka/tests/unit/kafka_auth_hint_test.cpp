#include <gtest/gtest.h>

#include <memory>

#include "cosmic/kafka/auth_hint.hpp"

namespace cosmic::kafka {
namespace {

constexpr int kDebian12 = 0x020002ff;  // librdkafka 2.0.2
constexpr int kFixed = 0x020601ff;     // librdkafka 2.6.1

AuthIdentity Sasl(std::string mechanism) {
    return AuthIdentity{"sasl_ssl", std::move(mechanism), "cosmic", "/tmp/ca.pem"};
}

TEST(AuthHint, VersionText) {
    EXPECT_EQ(LibrdkafkaVersionText(kDebian12), "2.0.2");
    EXPECT_EQ(LibrdkafkaVersionText(0x020a01ff), "2.10.1");
}

TEST(AuthHint, ScramWarningOnlyForScramOverSaslBeforeTheFix) {
    const auto warning = ScramVersionWarning(Sasl("SCRAM-SHA-512"), kDebian12);
    ASSERT_TRUE(warning.has_value());
    EXPECT_NE(warning->find("SCRAM-SHA-512"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("Kafka 4.x"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("librdkafka 2.0.2"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("2.6.1"), std::string::npos) << *warning;
    EXPECT_NE(warning->find("PLAIN"), std::string::npos) << *warning;

    EXPECT_TRUE(ScramVersionWarning(Sasl("scram-sha-256"), kDebian12).has_value());
    EXPECT_FALSE(ScramVersionWarning(Sasl("SCRAM-SHA-512"), kFixed).has_value());
    EXPECT_FALSE(ScramVersionWarning(Sasl("SCRAM-SHA-512"), 0x020b00ff).has_value());
    EXPECT_FALSE(ScramVersionWarning(Sasl("PLAIN"), kDebian12).has_value());
    // SASL is not used at all: the mechanism setting is ignored by librdkafka.
    EXPECT_FALSE(ScramVersionWarning(AuthIdentity{"ssl", "SCRAM-SHA-512", "cosmic", ""}, kDebian12).has_value());
    EXPECT_FALSE(ScramVersionWarning(AuthIdentity{"plaintext", "SCRAM-SHA-512", "", ""}, kDebian12).has_value());
}

TEST(AuthHint, AuthenticationMessageNamesMechanismUserProtocolAndSettings) {
    const auto message = AuthErrorMessage(RD_KAFKA_RESP_ERR__AUTHENTICATION,
                                          "SASL authentication error: Authentication failed: Invalid username or "
                                          "password",
                                          Sasl("PLAIN"), kDebian12);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(*message,
              "kafka authentication failed (PLAIN as 'cosmic' over SASL_SSL): SASL authentication error: "
              "Authentication failed: Invalid username or password; check KAFKA_SASL_USERNAME / "
              "KAFKA_SASL_PASSWORD / KAFKA_SASL_MECHANISM");
}

TEST(AuthHint, ScramFailureFromAnOldLibrdkafkaAddsTheNote) {
    const auto old = AuthErrorMessage(RD_KAFKA_RESP_ERR__AUTHENTICATION, "x", Sasl("SCRAM-SHA-512"), kDebian12);
    ASSERT_TRUE(old.has_value());
    EXPECT_NE(old->find("#4895"), std::string::npos) << *old;
    const auto fixed = AuthErrorMessage(RD_KAFKA_RESP_ERR__AUTHENTICATION, "x", Sasl("SCRAM-SHA-512"), kFixed);
    ASSERT_TRUE(fixed.has_value());
    EXPECT_EQ(fixed->find("#4895"), std::string::npos) << *fixed;
}

TEST(AuthHint, TlsMessageNamesTheCaSetting) {
    const auto message = AuthErrorMessage(RD_KAFKA_RESP_ERR__SSL, "SSL handshake failed: certificate verify failed",
                                          Sasl("PLAIN"), kDebian12);
    ASSERT_TRUE(message.has_value());
    EXPECT_NE(message->find("KAFKA_SSL_CA_LOCATION"), std::string::npos) << *message;
    EXPECT_NE(message->find("'/tmp/ca.pem'"), std::string::npos) << *message;
    EXPECT_NE(message->find("certificate verify failed"), std::string::npos) << *message;

    const auto system = AuthErrorMessage(RD_KAFKA_RESP_ERR__SSL, "r", AuthIdentity{"ssl", "", "", ""}, kDebian12);
    ASSERT_TRUE(system.has_value());
    EXPECT_NE(system->find("system's default CAs"), std::string::npos) << *system;
}

TEST(AuthHint, OtherErrorsGetNoMessage) {
    EXPECT_FALSE(AuthErrorMessage(RD_KAFKA_RESP_ERR__TRANSPORT, "down", Sasl("PLAIN"), kDebian12).has_value());
    EXPECT_FALSE(AuthErrorMessage(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, "down", Sasl("PLAIN"), kDebian12).has_value());
}

TEST(AuthHint, IdentityComesFromTheConfWithoutThePassword) {
    std::unique_ptr<rd_kafka_conf_t, decltype(&rd_kafka_conf_destroy)> conf(rd_kafka_conf_new(),
                                                                            &rd_kafka_conf_destroy);
    char error[512];
    for (const auto& [name, value] : {std::pair{"security.protocol", "SASL_SSL"}, std::pair{"sasl.mechanism", "PLAIN"},
                                      std::pair{"sasl.username", "cosmic"}, std::pair{"sasl.password", "s3cret"},
                                      std::pair{"ssl.ca.location", "/tmp/ca.pem"}}) {
        ASSERT_EQ(rd_kafka_conf_set(conf.get(), name, value, error, sizeof(error)), RD_KAFKA_CONF_OK) << error;
    }
    const AuthIdentity identity = AuthIdentityOf(conf.get());
    EXPECT_EQ(identity.protocol, "sasl_ssl");
    EXPECT_EQ(identity.mechanism, "PLAIN");
    EXPECT_EQ(identity.username, "cosmic");
    EXPECT_EQ(identity.ca_location, "/tmp/ca.pem");
    const auto message = AuthErrorMessage(RD_KAFKA_RESP_ERR__AUTHENTICATION, "bad", identity, kDebian12);
    ASSERT_TRUE(message.has_value());
    EXPECT_EQ(message->find("s3cret"), std::string::npos) << *message;
}

}  // namespace
}  // namespace cosmic::kafka
