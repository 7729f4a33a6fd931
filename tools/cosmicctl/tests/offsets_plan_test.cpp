// The pure parts of `offsets reset` and `groups describe`: targets, topic selections, the plan,
// and the ConsumerProtocol assignment bytes.

#include "offsets_plan.hpp"

#include <gtest/gtest.h>

#include "args.hpp"

namespace cosmic::cosmicctl {
namespace {

TEST(ResetTarget, ParsesEveryForm) {
    EXPECT_EQ(ParseResetTarget("earliest").kind, ResetTarget::Kind::kEarliest);
    EXPECT_EQ(ParseResetTarget("latest").kind, ResetTarget::Kind::kLatest);
    const auto offset = ParseResetTarget("offset=42");
    EXPECT_EQ(offset.kind, ResetTarget::Kind::kOffset);
    EXPECT_EQ(offset.value, 42);
    const auto time = ParseResetTarget("datetime=2026-01-31T12:00:00Z");
    EXPECT_EQ(time.kind, ResetTarget::Kind::kDatetime);
    EXPECT_EQ(time.value, 1769860800000);
    EXPECT_THROW(ParseResetTarget("offset=-1"), UsageError);
    EXPECT_THROW(ParseResetTarget("offset=x"), UsageError);
    EXPECT_THROW(ParseResetTarget("datetime=yesterday"), UsageError);
    EXPECT_THROW(ParseResetTarget("oldest"), UsageError);
}

TEST(TopicSelection, TopicAloneOrWithPartitions) {
    EXPECT_TRUE(ParseTopicSelection("job-metrics").partitions.empty());
    const auto some = ParseTopicSelection("job-metrics:3,1,3");
    EXPECT_EQ(some.topic, "job-metrics");
    EXPECT_EQ(some.partitions, (std::vector<std::int32_t>{1, 3}));
    EXPECT_THROW(ParseTopicSelection("job-metrics:"), UsageError);
    EXPECT_THROW(ParseTopicSelection("job-metrics:1,a"), UsageError);
    EXPECT_THROW(ParseTopicSelection(":1"), UsageError);
}

TEST(PlanReset, EachTargetAgainstTheWatermarks) {
    const std::vector<PartitionState> states = {{{"t", 0}, 7, 2, 10}, {{"t", 1}, -1, 0, 4}};
    auto plan = PlanReset(states, {ResetTarget::Kind::kEarliest, 0});
    EXPECT_EQ(plan[0].target, 2);
    EXPECT_EQ(plan[0].current, 7);
    EXPECT_EQ(plan[1].target, 0);
    plan = PlanReset(states, {ResetTarget::Kind::kLatest, 0});
    EXPECT_EQ(plan[0].target, 10);
    EXPECT_EQ(plan[1].target, 4);
    plan = PlanReset(states, {ResetTarget::Kind::kOffset, 1});
    EXPECT_EQ(plan[0].target, 2);
    EXPECT_TRUE(plan[0].clamped);
    EXPECT_EQ(plan[1].target, 1);
    EXPECT_FALSE(plan[1].clamped);
    plan = PlanReset(states, {ResetTarget::Kind::kDatetime, 0}, {{{"t", 0}, 5}});
    EXPECT_EQ(plan[0].target, 5);
    EXPECT_EQ(plan[1].target, 4);  // not resolved: the end
}

std::string Int16(int v) { return {static_cast<char>((v >> 8) & 0xff), static_cast<char>(v & 0xff)}; }
std::string Int32(int v) { return Int16((v >> 16) & 0xffff) + Int16(v & 0xffff); }

TEST(ConsumerAssignment, ParsesTopicsAndPartitionsSorted) {
    const std::string bytes = Int16(1) + Int32(2) + Int16(1) + "b" + Int32(2) + Int32(3) + Int32(0) + Int16(1) + "a" +
                              Int32(1) + Int32(7) + Int32(-1);  // trailing user data: null bytes
    const auto parsed = ParseConsumerAssignment(bytes);
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, (std::vector<TopicPartition>{{"a", 7}, {"b", 0}, {"b", 3}}));
    EXPECT_TRUE(ParseConsumerAssignment("")->empty());
    EXPECT_FALSE(ParseConsumerAssignment(Int16(1) + Int32(1) + Int16(5) + "ab").has_value());
}

}  // namespace
}  // namespace cosmic::cosmicctl
