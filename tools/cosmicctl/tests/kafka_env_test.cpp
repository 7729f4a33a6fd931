#include <gtest/gtest.h>

#include "args.hpp"
#include "environment.hpp"

namespace cosmic::cosmicctl {
namespace {

TEST(CosmicctlKafkaEnvTest, MapsKafkaVariablesLikeTheServices) {
    const auto config = ClientConfigFrom({{"KAFKA_BOOTSTRAP_SERVERS", "k:9092"},
                                          {"KAFKA_SECURITY_PROTOCOL", "plaintext"},
                                          {"KAFKA_LOG__LEVEL", "6"},
                                          {"KAFKA_ENABLED", "true"},
                                          {"KAFKA_PORT", "tcp://10.0.0.1:9092"},
                                          {"HOME", "/root"}},
                                         std::nullopt);
    EXPECT_EQ(config.properties,
              (std::map<std::string, std::string>{
                  {"bootstrap.servers", "k:9092"}, {"security.protocol", "plaintext"}, {"log_level", "6"}}));
}

TEST(CosmicctlKafkaEnvTest, SkipsKubernetesServiceLinks) {
    const auto config = ClientConfigFrom({{"KAFKA_SERVICE_HOST", "10.0.0.1"},
                                          {"KAFKA_SERVICE_PORT_BROKER", "9092"},
                                          {"KAFKA_PORT_9092_TCP_ADDR", "10.0.0.1"},
                                          {"KAFKA_SASL_KERBEROS_SERVICE_NAME", "kafka"}},
                                         "k:1");
    EXPECT_EQ(config.properties, (std::map<std::string, std::string>{{"bootstrap.servers", "k:1"},
                                                                     {"sasl.kerberos.service.name", "kafka"}}));
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
