#include "kafka_env.hpp"

#include <gtest/gtest.h>

#include "args.hpp"

namespace cosmic::cosmicctl {
namespace {

TEST(CosmicctlKafkaEnvTest, MapsKafkaVariablesLikeTheServices) {
    EXPECT_EQ(PropertyFromEnvName("KAFKA_SASL_USERNAME"), "sasl.username");
    EXPECT_EQ(PropertyFromEnvName("KAFKA_LOG__LEVEL"), "log_level");
    const auto config = ClientConfigFrom({{"KAFKA_BOOTSTRAP_SERVERS", "k:9092"},
                                          {"KAFKA_SECURITY_PROTOCOL", "plaintext"},
                                          {"KAFKA_ENABLED", "true"},
                                          {"KAFKA_PORT", "tcp://10.0.0.1:9092"},
                                          {"HOME", "/root"}},
                                         std::nullopt);
    EXPECT_EQ(config.properties, (std::map<std::string, std::string>{{"bootstrap.servers", "k:9092"},
                                                                     {"security.protocol", "plaintext"}}));
}

TEST(CosmicctlKafkaEnvTest, RecognisesKubernetesServiceLinks) {
    for (const char* name : {"KAFKA_PORT", "KAFKA_SERVICE_HOST", "KAFKA_SERVICE_PORT", "KAFKA_SERVICE_PORT_BROKER",
                             "KAFKA_PORT_9092_TCP", "KAFKA_PORT_9092_TCP_ADDR", "KAFKA_BROKER_PORT_9092_UDP_PROTO"}) {
        EXPECT_TRUE(IsServiceLinkVariable(name)) << name;
    }
    for (const char* name : {"KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_KERBEROS_SERVICE_NAME", "KAFKA_SERVICE_HOST_X",
                             "KAFKA_PORT_X_TCP", "KAFKA_PORT_9092_TCP_NAME", "PORT"}) {
        EXPECT_FALSE(IsServiceLinkVariable(name)) << name;
    }
}

TEST(CosmicctlKafkaEnvTest, BootstrapFlagWins) {
    const auto config = ClientConfigFrom({{"KAFKA_BOOTSTRAP_SERVERS", "k:9092"}}, "other:1");
    EXPECT_EQ(config.properties.at("bootstrap.servers"), "other:1");
}

TEST(CosmicctlKafkaEnvTest, MissingBootstrapOrBadPropertyIsAUsageError) {
    EXPECT_THROW(ClientConfigFrom({}, std::nullopt), UsageError);
    EXPECT_THROW(ClientConfigFrom({{"KAFKA_NOT_A_PROPERTY", "1"}}, "k:1"), UsageError);
}

}  // namespace
}  // namespace cosmic::cosmicctl
