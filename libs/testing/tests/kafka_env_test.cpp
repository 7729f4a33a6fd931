#include "cosmic/testing/kafka_env.hpp"

#include <gtest/gtest.h>

namespace cosmic::testing {
namespace {

TEST(KafkaEnvTest, DotsBecomeUnderscoresAndUnderscoresDouble) {
    EXPECT_EQ(KafkaEnvName("bootstrap.servers"), "KAFKA_BOOTSTRAP_SERVERS");
    EXPECT_EQ(KafkaEnvName("fetch.wait.max.ms"), "KAFKA_FETCH_WAIT_MAX_MS");
    EXPECT_EQ(KafkaEnvName("log_level"), "KAFKA_LOG__LEVEL");
}

TEST(KafkaEnvTest, EnvironmentOfAClientConfig) {
    const std::map<std::string, std::string> env =
        KafkaEnvironment({{"bootstrap.servers", "127.0.0.1:1"}, {"reconnect.backoff.ms", "10"}});
    EXPECT_EQ(env, (std::map<std::string, std::string>{{"KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"},
                                                       {"KAFKA_RECONNECT_BACKOFF_MS", "10"}}));
}

}  // namespace
}  // namespace cosmic::testing
