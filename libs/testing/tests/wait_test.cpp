#include "cosmic/testing/wait.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace cosmic::testing {
namespace {

using ::testing::HasSubstr;

TEST(WaitUntilTest, TrueAtOnceChecksOnce) {
    int checks = 0;
    EXPECT_TRUE(WaitUntil([&] { return ++checks > 0; }));
    EXPECT_EQ(checks, 1);
}

TEST(WaitUntilTest, KeepsPollingUntilTheConditionHolds) {
    int checks = 0;
    EXPECT_TRUE(WaitUntil([&] { return ++checks == 5; }, std::chrono::seconds(30)));
    EXPECT_EQ(checks, 5);
}

TEST(WaitUntilTest, SeesWhatAnotherThreadDoes) {
    std::atomic<bool> done{false};
    std::thread worker([&] { done = true; });
    EXPECT_TRUE(WaitUntil([&] { return done.load(); }));
    worker.join();
}

TEST(WaitUntilTest, FalsePastTheDeadlineSaysHowLongAndHowOften) {
    int checks = 0;
    const ::testing::AssertionResult result = WaitUntil(
        [&] {
            ++checks;
            return false;
        },
        std::chrono::milliseconds(30), std::chrono::milliseconds(5));
    EXPECT_FALSE(result);
    EXPECT_GE(checks, 2);  // at least the first check and the one at the deadline
    EXPECT_THAT(result.message(), HasSubstr("still false after"));
    EXPECT_THAT(result.message(), HasSubstr("timeout 30 ms"));
    EXPECT_THAT(result.message(), HasSubstr(std::to_string(checks) + " checks"));
}

TEST(WaitUntilTest, ZeroTimeoutChecksOnceMore) {
    int checks = 0;
    EXPECT_FALSE(WaitUntil([&] { return ++checks > 1; }, std::chrono::milliseconds(0)));
    EXPECT_EQ(checks, 1);
}

}  // namespace
}  // namespace cosmic::testing
