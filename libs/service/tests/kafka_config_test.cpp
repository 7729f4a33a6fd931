// KAFKA_* environment variables and the file's kafka.properties object become librdkafka
// properties, validated by librdkafka itself at load time.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cosmic/service/config.hpp"
#include "cosmic/service/kafka_env.hpp"
#include "test_util.hpp"

namespace cosmic::service {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;

ConfigSchema Schema() {
    ConfigSchema schema;
    DeclareCommonKeys(schema);
    return schema;
}

TEST(KafkaEnvTest, MapsVariableNamesToProperties) {
    EXPECT_EQ(KafkaPropertyFromEnv("KAFKA_SECURITY_PROTOCOL"), "security.protocol");
    EXPECT_EQ(KafkaPropertyFromEnv("KAFKA_SASL_MECHANISM"), "sasl.mechanism");
    EXPECT_EQ(KafkaPropertyFromEnv("KAFKA_SSL_CA_LOCATION"), "ssl.ca.location");
    EXPECT_EQ(KafkaPropertyFromEnv("KAFKA_LOG__LEVEL"), "log_level");
}

TEST(KafkaEnvTest, RecognisesKubernetesServiceLinkVariables) {
    for (const char* name : {"KAFKA_PORT", "KAFKA_SERVICE_HOST", "KAFKA_SERVICE_PORT", "KAFKA_SERVICE_PORT_CLIENT",
                             "KAFKA_PORT_9092_TCP", "KAFKA_PORT_9092_TCP_ADDR", "KAFKA_PORT_9092_TCP_PORT",
                             "KAFKA_PORT_9092_TCP_PROTO", "KAFKA_HEADLESS_SERVICE_HOST", "KAFKA_HEADLESS_PORT"}) {
        EXPECT_TRUE(IsServiceLinkVariable(name)) << name;
    }
    for (const char* name :
         {"KAFKA_SASL_KERBEROS_SERVICE_NAME", "KAFKA_SECURITY_PROTOCOL", "KAFKA_ACKS", "KAFKA_PORTS_EXTRA"}) {
        EXPECT_FALSE(IsServiceLinkVariable(name)) << name;
    }
}

TEST(KafkaConfigTest, EnvironmentVariablesBecomeProperties) {
    const Config config = Config::Load(Schema(), "",
                                       {{"KAFKA_BOOTSTRAP_SERVERS", "broker-1:9092,broker-2:9092"},
                                        {"KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
                                        {"KAFKA_SASL_MECHANISM", "SCRAM-SHA-512"},
                                        {"KAFKA_SASL_USERNAME", "svc"},
                                        {"KAFKA_SASL_PASSWORD", "s3cret"},
                                        {"KAFKA_SSL_CA_LOCATION", "/etc/ssl/ca.pem"},
                                        {"KAFKA_CLIENT_ID", "orchestrator"}});
    const auto& properties = config.Kafka().properties;
    EXPECT_TRUE(config.Kafka().enabled);
    EXPECT_THAT(properties, Contains(Pair("bootstrap.servers", "broker-1:9092,broker-2:9092")));
    EXPECT_THAT(properties, Contains(Pair("security.protocol", "SASL_SSL")));
    EXPECT_THAT(properties, Contains(Pair("sasl.mechanism", "SCRAM-SHA-512")));
    EXPECT_THAT(properties, Contains(Pair("sasl.username", "svc")));
    EXPECT_THAT(properties, Contains(Pair("sasl.password", "s3cret")));
    EXPECT_THAT(properties, Contains(Pair("ssl.ca.location", "/etc/ssl/ca.pem")));
    EXPECT_THAT(properties, Contains(Pair("client.id", "orchestrator")));
    EXPECT_EQ(properties.size(), 7U);
    EXPECT_EQ(config.KafkaSourceOf("sasl.mechanism"), "env KAFKA_SASL_MECHANISM");
    EXPECT_EQ(config.KafkaSourceOf("bootstrap.servers"), "env KAFKA_BOOTSTRAP_SERVERS");

    const std::string described = config.Describe();
    EXPECT_THAT(described, HasSubstr("kafka[sasl.username]=svc"));
    EXPECT_THAT(described, HasSubstr("kafka[sasl.password]=<redacted>"));
    EXPECT_THAT(described, Not(HasSubstr("s3cret")));
}

TEST(KafkaConfigTest, ServiceLinkVariablesAreIgnoredWithAWarning) {
    const Config config = Config::Load(Schema(), "",
                                       {{"KAFKA_PORT", "tcp://10.0.0.7:9092"},
                                        {"KAFKA_SERVICE_HOST", "10.0.0.7"},
                                        {"KAFKA_SERVICE_PORT", "9092"},
                                        {"KAFKA_PORT_9092_TCP_ADDR", "10.0.0.7"},
                                        {"KAFKA_PORT_9092_TCP_PROTO", "tcp"}});
    EXPECT_THAT(config.Kafka().properties, Not(Contains(Key("port"))));
    EXPECT_EQ(config.Kafka().properties.size(), 1U);  // bootstrap.servers only
    EXPECT_EQ(config.Warnings().size(), 5U);
    EXPECT_THAT(config.Warnings(), Contains(AllOf(HasSubstr("KAFKA_PORT"), HasSubstr("service-link"))));
}

TEST(KafkaConfigTest, LibrdkafkaRejectionNamesPropertyAndVariable) {
    try {
        Config::Load(Schema(), "", {{"KAFKA_ACKS", "banana"}});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.Key(), "acks");
        EXPECT_EQ(error.Source(), "env KAFKA_ACKS");
        EXPECT_THAT(error.what(), AllOf(HasSubstr("acks"), HasSubstr("KAFKA_ACKS"), HasSubstr("banana")));
    }
    try {
        Config::Load(Schema(), "", {{"KAFKA_NO_SUCH_THING", "1"}});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.Key(), "no.such.thing");
        EXPECT_THAT(error.what(), AllOf(HasSubstr("KAFKA_NO_SUCH_THING"), HasSubstr("No such configuration property")));
    }
}

TEST(KafkaConfigTest, FilePropertiesApplyAndEnvironmentWins) {
    testing::TempDir dir;
    const std::string file = dir.Write("config.json", R"({
        "kafka": {
            "bootstrap_servers": "file-broker:9092",
            "properties": {"acks": "all", "linger.ms": 5, "enable.idempotence": true,
                           "sasl": {"mechanism": "PLAIN"}, "client.id": "from-file"}
        }
    })");
    const Config config = Config::Load(Schema(), file, {{"KAFKA_CLIENT_ID", "from-env"}});
    const auto& properties = config.Kafka().properties;
    EXPECT_THAT(properties, Contains(Pair("bootstrap.servers", "file-broker:9092")));
    EXPECT_THAT(properties, Contains(Pair("acks", "all")));
    EXPECT_THAT(properties, Contains(Pair("linger.ms", "5")));
    EXPECT_THAT(properties, Contains(Pair("enable.idempotence", "true")));
    EXPECT_THAT(properties, Contains(Pair("sasl.mechanism", "PLAIN")));
    EXPECT_THAT(properties, Contains(Pair("client.id", "from-env")));
    EXPECT_EQ(config.KafkaSourceOf("acks"), "file " + file);
}

TEST(KafkaConfigTest, BadFilePropertyNamesTheFile) {
    testing::TempDir dir;
    const std::string file = dir.Write("config.json", R"({"kafka": {"properties": {"compression.type": "zip"}}})");
    try {
        Config::Load(Schema(), file, {});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.Key(), "compression.type");
        EXPECT_EQ(error.Source(), "file " + file);
    }
}

TEST(KafkaConfigTest, BootstrapServersHasOneSpelling) {
    testing::TempDir dir;
    const std::string file = dir.Write("config.json", R"({"kafka": {"properties": {"bootstrap.servers": "x:1"}}})");
    try {
        Config::Load(Schema(), file, {});
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_THAT(error.what(), HasSubstr("kafka.bootstrap_servers"));
    }
}

TEST(KafkaConfigTest, DisabledKafkaKeepsProperties) {
    const Config config = Config::Load(Schema(), "", {{"KAFKA_ENABLED", "false"}, {"KAFKA_ACKS", "1"}});
    EXPECT_FALSE(config.Kafka().enabled);
    EXPECT_THAT(config.Kafka().properties, Contains(Pair("acks", "1")));
}

// The original (NestJS/KafkaJS) stack's settings work during a migration, each with a warning that
// names the canonical key.
TEST(KafkaConfigTest, AcceptsTheOriginalStacksSettingsWithAWarning) {
    const Config config = Config::Load(Schema(), "",
                                       {{"KAFKA_BROKERS", "broker-1:9092,broker-2:9092"},
                                        {"KAFKA_SSL", "true"},
                                        {"KAFKA_SASL_MECHANISM", "scram-sha-512"},
                                        {"KAFKA_SASL_USERNAME", "svc"},
                                        {"KAFKA_SASL_PASSWORD", "s3cret"}});
    const auto& properties = config.Kafka().properties;
    EXPECT_THAT(properties, Contains(Pair("bootstrap.servers", "broker-1:9092,broker-2:9092")));
    EXPECT_THAT(properties, Contains(Pair("security.protocol", "SASL_SSL")));
    EXPECT_THAT(properties, Contains(Pair("sasl.mechanism", "SCRAM-SHA-512")));
    EXPECT_THAT(properties, Not(Contains(Key("brokers"))));
    EXPECT_THAT(properties, Not(Contains(Key("ssl"))));
    EXPECT_THAT(config.Warnings(), Contains(HasSubstr("KAFKA_BOOTSTRAP_SERVERS")));
    EXPECT_THAT(config.Warnings(), Contains(HasSubstr("KAFKA_SECURITY_PROTOCOL=SASL_SSL")));
    EXPECT_THAT(config.Warnings(), Contains(HasSubstr("SCRAM-SHA-512")));
}

TEST(KafkaConfigTest, OriginalStackSettingsGiveWayToCanonicalOnes) {
    const Config config = Config::Load(Schema(), "",
                                       {{"KAFKA_BROKERS", "old:9092"},
                                        {"KAFKA_BOOTSTRAP_SERVERS", "new:9092"},
                                        {"KAFKA_SSL", "true"},
                                        {"KAFKA_SECURITY_PROTOCOL", "PLAINTEXT"}});
    EXPECT_THAT(config.Kafka().properties, Contains(Pair("bootstrap.servers", "new:9092")));
    EXPECT_THAT(config.Kafka().properties, Contains(Pair("security.protocol", "PLAINTEXT")));
    EXPECT_THAT(config.Warnings(), Contains(HasSubstr("ignoring KAFKA_BROKERS")));
    EXPECT_THAT(config.Warnings(), Contains(HasSubstr("ignoring KAFKA_SSL")));
}

TEST(KafkaConfigTest, SaslMechanismWithoutProtocolMeansSaslPlaintextAsBefore) {
    const Config config = Config::Load(Schema(), "", {{"KAFKA_SASL_MECHANISM", "plain"}});
    EXPECT_THAT(config.Kafka().properties, Contains(Pair("security.protocol", "SASL_PLAINTEXT")));
    EXPECT_THAT(config.Kafka().properties, Contains(Pair("sasl.mechanism", "PLAIN")));
}

TEST(KafkaConfigTest, RejectsAnUnreadableSslFlagNamingIt) {
    try {
        Config::Load(Schema(), "", {{"KAFKA_SSL", "yes please"}});
        FAIL() << "expected a ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_THAT(error.what(), HasSubstr("KAFKA_SSL"));
    }
}

}  // namespace
}  // namespace cosmic::service
