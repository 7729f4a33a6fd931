#include <gtest/gtest.h>

#include <stdexcept>

#include "cosmic/kafka/dispatch.hpp"

namespace cosmic::kafka {
namespace {

TEST(PatternTableTest, ExactBeatsPrefixAndLongerPrefixBeatsShorter) {
    PatternTable table;
    const auto all = table.Add("*");
    const auto audit = table.Add("audit.*");
    const auto alert = table.Add("audit.alert");
    const auto job = table.Add("job.*");
    const auto deep = table.Add("job.state.*");
    EXPECT_EQ(table.Size(), 5u);
    EXPECT_EQ(table.Find("audit.alert"), alert);
    EXPECT_EQ(table.Find("audit.state_change"), audit);
    EXPECT_EQ(table.Find("job.completed"), job);
    EXPECT_EQ(table.Find("job.state.x"), deep);
    EXPECT_EQ(table.Find("health.heartbeat"), all);
    EXPECT_EQ(table.Find(""), all);
}

TEST(PatternTableTest, PrefixNeedsTheDotBoundaryAndSomethingAfterIt) {
    PatternTable table;
    table.Add("audit.*");
    EXPECT_FALSE(table.Find("audit"));
    EXPECT_FALSE(table.Find("audit."));
    EXPECT_FALSE(table.Find("auditx.alert"));
    EXPECT_TRUE(table.Find("audit.x"));
}

TEST(PatternTableTest, NoMatchWithoutCatchAll) {
    PatternTable table;
    table.Add("job.completed");
    EXPECT_FALSE(table.Find("job.failed"));
    EXPECT_FALSE(table.Find("job.completedx"));
}

TEST(PatternTableTest, RejectsBadAndDuplicatePatterns) {
    PatternTable table;
    EXPECT_THROW(table.Add(""), std::invalid_argument);
    EXPECT_THROW(table.Add("audit*"), std::invalid_argument);
    EXPECT_THROW(table.Add("*.alert"), std::invalid_argument);
    EXPECT_THROW(table.Add(".*"), std::invalid_argument);
    table.Add("job.completed");
    table.Add("job.*");
    EXPECT_THROW(table.Add("job.completed"), std::invalid_argument);
    EXPECT_THROW(table.Add("job.*"), std::invalid_argument);
    EXPECT_EQ(table.Size(), 2u);
}

}  // namespace
}  // namespace cosmic::kafka
