#include <gtest/gtest.h>

#include <stdexcept>

#include "cosmic/kafka/retry.hpp"

namespace cosmic::kafka {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicyTest, DefaultsMatchTheDesign) {
    const RetryPolicy policy;
    EXPECT_EQ(policy.base, milliseconds(100));
    EXPECT_EQ(policy.cap, milliseconds(30000));
    EXPECT_EQ(policy.max_attempts, 5);
    EXPECT_NO_THROW(policy.Validate());
}

TEST(RetryPolicyTest, CeilingDoublesUpToTheCap) {
    const RetryPolicy policy;
    EXPECT_EQ(BackoffCeiling(policy, 1), milliseconds(100));
    EXPECT_EQ(BackoffCeiling(policy, 2), milliseconds(200));
    EXPECT_EQ(BackoffCeiling(policy, 3), milliseconds(400));
    EXPECT_EQ(BackoffCeiling(policy, 9), milliseconds(25600));
    EXPECT_EQ(BackoffCeiling(policy, 10), milliseconds(30000));
    EXPECT_EQ(BackoffCeiling(policy, 1000), milliseconds(30000));
    EXPECT_EQ(BackoffCeiling(policy, 0), milliseconds(100));
}

TEST(RetryPolicyTest, FullJitterStaysWithinTheCeilingAndVaries) {
    Backoff backoff(RetryPolicy{}, 42);
    for (int attempt = 1; attempt <= 12; ++attempt) {
        std::int64_t low = 1 << 30;
        std::int64_t high = -1;
        for (int i = 0; i < 200; ++i) {
            const auto wait = backoff.Next(attempt).count();
            ASSERT_GE(wait, 0);
            ASSERT_LE(wait, BackoffCeiling(RetryPolicy{}, attempt).count());
            low = std::min(low, wait);
            high = std::max(high, wait);
        }
        EXPECT_LT(low, high) << "attempt " << attempt << " never varied";
    }
}

TEST(RetryPolicyTest, RejectsNonsense) {
    EXPECT_THROW((RetryPolicy{milliseconds(0), milliseconds(10), 3}.Validate()), std::invalid_argument);
    EXPECT_THROW((RetryPolicy{milliseconds(100), milliseconds(10), 3}.Validate()), std::invalid_argument);
    EXPECT_THROW((RetryPolicy{milliseconds(100), milliseconds(1000), 0}.Validate()), std::invalid_argument);
}

}  // namespace
}  // namespace cosmic::kafka
