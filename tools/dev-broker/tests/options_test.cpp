#include "options.hpp"

#include <gtest/gtest.h>

namespace cosmic::dev_broker {
namespace {

TEST(DevBrokerOptionsTest, DefaultsAreThreeBrokersAndAnyPort) {
    const auto parsed = ParseOptions({});
    ASSERT_TRUE(parsed.options);
    EXPECT_EQ(parsed.options->brokers, 3);
    EXPECT_EQ(parsed.options->control_port, 0);
    EXPECT_EQ(parsed.options->control_bind, "127.0.0.1");
    EXPECT_TRUE(parsed.options->bootstrap_file.empty());
}

TEST(DevBrokerOptionsTest, ReadsEveryFlagInBothSpellings) {
    const auto parsed =
        ParseOptions({"--brokers", "1", "--bootstrap-file=/tmp/b", "--control-port", "8099", "--log-level=warn"});
    ASSERT_TRUE(parsed.options) << parsed.error;
    EXPECT_EQ(parsed.options->brokers, 1);
    EXPECT_EQ(parsed.options->bootstrap_file, "/tmp/b");
    EXPECT_EQ(parsed.options->control_port, 8099);
    EXPECT_EQ(parsed.options->log_level, "warn");
}

TEST(DevBrokerOptionsTest, RejectsBadValuesAndUnknownFlags) {
    EXPECT_FALSE(ParseOptions({"--brokers", "0"}).options);
    EXPECT_FALSE(ParseOptions({"--brokers", "x"}).options);
    EXPECT_FALSE(ParseOptions({"--brokers"}).options);
    EXPECT_FALSE(ParseOptions({"--control-port", "70000"}).options);
    const auto unknown = ParseOptions({"--nope"});
    EXPECT_FALSE(unknown.options);
    EXPECT_EQ(unknown.error, "unknown argument '--nope'");
}

TEST(DevBrokerOptionsTest, HelpIsNotAnError) {
    EXPECT_TRUE(ParseOptions({"--help"}).help);
    EXPECT_NE(Usage().find("--bootstrap-file"), std::string::npos);
}

}  // namespace
}  // namespace cosmic::dev_broker
