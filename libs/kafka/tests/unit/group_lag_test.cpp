#include "cosmic/kafka/group_lag.hpp"

#include <gtest/gtest.h>

namespace cosmic::kafka {
namespace {

TEST(GroupLagUnitTest, LagIsHighMinusCommitted) {
    EXPECT_EQ(ComputeLag(7, 0, 10), 3);
    EXPECT_EQ(ComputeLag(10, 0, 10), 0);
}

TEST(GroupLagUnitTest, NoCommitCountsEveryRetainedRecord) {
    EXPECT_EQ(ComputeLag(-1, 4, 10), 6);
    EXPECT_EQ(ComputeLag(-1, 10, 10), 0);
}

TEST(GroupLagUnitTest, CommitBeyondTheEndIsNotNegativeLag) { EXPECT_EQ(ComputeLag(12, 0, 10), 0); }

TEST(GroupLagUnitTest, TotalSumsPartitions) {
    GroupLag lag;
    lag.partitions = {{"t", 0, 1, 0, 4, 3}, {"t", 1, -1, 0, 2, 2}};
    EXPECT_EQ(lag.TotalLag(), 5);
}

}  // namespace
}  // namespace cosmic::kafka
