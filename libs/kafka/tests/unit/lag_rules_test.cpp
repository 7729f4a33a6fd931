#include "cosmic/kafka/lag_rules.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

namespace cosmic::kafka {

// Readable gtest failure messages ("STALL" rather than the enum's bytes).
void PrintTo(LagStatus status, std::ostream* out) { *out << ToString(status); }
void PrintTo(CommitInsert result, std::ostream* out) { *out << "CommitInsert(" << static_cast<int>(result) << ")"; }

namespace {

LagWindowOptions Options(std::size_t intervals = 5, std::int64_t min_distance_ms = 0, std::int64_t allowed_lag = 0,
                         double minimum_complete = 0.0) {
    LagWindowOptions options;
    options.intervals = intervals;
    options.min_distance_ms = min_distance_ms;
    options.allowed_lag = allowed_lag;
    options.minimum_complete = minimum_complete;
    return options;
}

struct Step {
    std::int64_t high;
    std::int64_t committed;
    std::int64_t time_ms;
};

// Feeds polls the way GroupLagEvaluator does: the broker offset, then the commit at the poll's time.
void Feed(PartitionLagWindow& window, const std::vector<Step>& steps) {
    for (const Step& step : steps) {
        window.AddBrokerOffset(step.high);
        window.AddCommit(step.committed, step.time_ms, step.time_ms);
    }
}

std::string MessageOf(const LagWindowOptions& options) {
    try {
        options.Validate();
    } catch (const std::invalid_argument& error) {
        return error.what();
    }
    return "";
}

TEST(LagRulesTest, StatusCodesAndNamesAreBurrows) {
    EXPECT_EQ(static_cast<int>(LagStatus::kNotFound), 0);
    EXPECT_EQ(static_cast<int>(LagStatus::kOk), 1);
    EXPECT_EQ(static_cast<int>(LagStatus::kWarn), 2);
    EXPECT_EQ(static_cast<int>(LagStatus::kErr), 3);
    EXPECT_EQ(static_cast<int>(LagStatus::kStop), 4);
    EXPECT_EQ(static_cast<int>(LagStatus::kStall), 5);
    EXPECT_EQ(static_cast<int>(LagStatus::kRewind), 6);
    EXPECT_EQ(ToString(LagStatus::kNotFound), "NOTFOUND");
    EXPECT_EQ(ToString(LagStatus::kOk), "OK");
    EXPECT_EQ(ToString(LagStatus::kWarn), "WARN");
    EXPECT_EQ(ToString(LagStatus::kErr), "ERR");
    EXPECT_EQ(ToString(LagStatus::kStop), "STOP");
    EXPECT_EQ(ToString(LagStatus::kStall), "STALL");
    EXPECT_EQ(ToString(LagStatus::kRewind), "REWIND");
}

TEST(LagRulesTest, OptionsDefaultsAreBurrowsAndValid) {
    const LagWindowOptions defaults;
    EXPECT_EQ(defaults.intervals, 10U);
    EXPECT_EQ(defaults.min_distance_ms, 1000);
    EXPECT_EQ(defaults.allowed_lag, 0);
    EXPECT_EQ(defaults.minimum_complete, 0.0);
    EXPECT_EQ(defaults.expire_group_ms, 604800000);
    EXPECT_NO_THROW(defaults.Validate());
}

TEST(LagRulesTest, InvalidOptionsNameTheField) {
    LagWindowOptions options;
    options.intervals = 0;
    EXPECT_NE(MessageOf(options).find("intervals"), std::string::npos);
    options = {};
    options.min_distance_ms = -1;
    EXPECT_NE(MessageOf(options).find("min_distance_ms"), std::string::npos);
    options = {};
    options.allowed_lag = -1;
    EXPECT_NE(MessageOf(options).find("allowed_lag"), std::string::npos);
    options = {};
    options.minimum_complete = 1.5;
    EXPECT_NE(MessageOf(options).find("minimum_complete"), std::string::npos);
    options.minimum_complete = std::numeric_limits<double>::quiet_NaN();
    EXPECT_NE(MessageOf(options).find("minimum_complete"), std::string::npos);
    options = {};
    options.expire_group_ms = 0;
    EXPECT_NE(MessageOf(options).find("expire_group_ms"), std::string::npos);
    options.intervals = 0;
    EXPECT_THROW(PartitionLagWindow{options}, std::invalid_argument);
    EXPECT_THROW(GroupLagEvaluator("g", options), std::invalid_argument);
}

// ---- insertion rules ---------------------------------------------------------------------------------

TEST(LagWindowTest, AppendStoresLagAgainstTheNewestBrokerOffset) {
    PartitionLagWindow window(Options());
    EXPECT_EQ(window.AddCommit(5, 1000, 1000), CommitInsert::kDroppedNoBroker);
    window.AddBrokerOffset(8);
    window.AddBrokerOffset(10);
    EXPECT_EQ(window.AddCommit(4, 1000, 1000), CommitInsert::kAppended);
    EXPECT_EQ(window.AddCommit(12, 2000, 2000), CommitInsert::kAppended);  // ahead of the broker sample
    ASSERT_EQ(window.CommitCount(), 2U);
    EXPECT_EQ(window.Commit(0), (CommitSample{4, 1000, 1000, 6}));
    EXPECT_EQ(window.Commit(1), (CommitSample{12, 2000, 2000, 0}));
    EXPECT_EQ(window.CurrentLag(), 0);
    EXPECT_EQ(window.BrokerOffsets(), (std::vector<std::int64_t>{8, 10}));
}

TEST(LagWindowTest, FullRingEvictsTheOldestCommitAndBrokerOffset) {
    PartitionLagWindow window(Options(3));
    Feed(window, {{10, 1, 1000}, {11, 2, 2000}, {12, 3, 3000}, {13, 4, 4000}});
    ASSERT_EQ(window.CommitCount(), 3U);
    EXPECT_EQ(window.Commit(0).offset, 2);
    EXPECT_EQ(window.Commit(2).offset, 4);
    EXPECT_EQ(window.BrokerOffsets(), (std::vector<std::int64_t>{11, 12, 13}));
    EXPECT_EQ(window.CurrentLag(), 9);
}

TEST(LagWindowTest, CommitWithinMinDistanceOverwritesAndKeepsTheOlderTimestamp) {
    PartitionLagWindow window(Options(5, 1000));
    window.AddBrokerOffset(100);
    EXPECT_EQ(window.AddCommit(5, 10000, 10000), CommitInsert::kAppended);
    EXPECT_EQ(window.AddCommit(7, 10500, 10500), CommitInsert::kMerged);
    ASSERT_EQ(window.CommitCount(), 1U);
    EXPECT_EQ(window.Commit(0), (CommitSample{7, 10000, 10500, 93}));
    // Measured from the kept (older) timestamp, so a committer faster than min-distance still advances
    // the window once min-distance has passed since the slot's first commit.
    EXPECT_EQ(window.AddCommit(8, 10900, 10900), CommitInsert::kMerged);
    EXPECT_EQ(window.AddCommit(9, 11000, 11000), CommitInsert::kAppended);
    ASSERT_EQ(window.CommitCount(), 2U);
    EXPECT_EQ(window.Commit(0), (CommitSample{8, 10000, 10900, 92}));
    EXPECT_EQ(window.Commit(1), (CommitSample{9, 11000, 11000, 91}));
}

TEST(LagWindowTest, OutOfOrderCommitIsInsertedInOrderWithNilLag) {
    PartitionLagWindow window(Options(5));
    window.AddBrokerOffset(100);
    window.AddCommit(10, 1000, 1000);
    window.AddCommit(30, 3000, 3000);
    EXPECT_EQ(window.AddCommit(20, 2000, 3000), CommitInsert::kInserted);
    EXPECT_EQ(window.AddCommit(5, 500, 3000), CommitInsert::kInserted);  // before the oldest
    ASSERT_EQ(window.CommitCount(), 4U);
    EXPECT_EQ(window.Commit(0), (CommitSample{5, 500, 500, std::nullopt}));
    EXPECT_EQ(window.Commit(1), (CommitSample{10, 1000, 1000, 90}));
    EXPECT_EQ(window.Commit(2), (CommitSample{20, 2000, 2000, std::nullopt}));
    EXPECT_EQ(window.Commit(3), (CommitSample{30, 3000, 3000, 70}));
    EXPECT_EQ(window.AddCommit(99, 2000, 3000), CommitInsert::kDroppedDuplicate);
    EXPECT_EQ(window.AddCommit(99, 3000, 3000), CommitInsert::kDroppedDuplicate);
    EXPECT_EQ(window.CommitCount(), 4U);
}

TEST(LagWindowTest, OutOfOrderCommitIntoAFullRing) {
    PartitionLagWindow window(Options(3));
    window.AddBrokerOffset(100);
    window.AddCommit(10, 1000, 1000);
    window.AddCommit(20, 2000, 2000);
    window.AddCommit(30, 3000, 3000);
    // Older than everything stored: nothing to make room for.
    EXPECT_EQ(window.AddCommit(1, 500, 3000), CommitInsert::kDroppedBackfill);
    // Between the oldest and the next: it takes the oldest slot.
    EXPECT_EQ(window.AddCommit(15, 1500, 3000), CommitInsert::kInserted);
    EXPECT_EQ(window.Commit(0), (CommitSample{15, 1500, 1500, std::nullopt}));
    EXPECT_EQ(window.Commit(1).offset, 20);
    // Further in: the oldest is evicted and the rest shift.
    EXPECT_EQ(window.AddCommit(25, 2500, 3000), CommitInsert::kInserted);
    ASSERT_EQ(window.CommitCount(), 3U);
    EXPECT_EQ(window.Commit(0).offset, 20);
    EXPECT_EQ(window.Commit(1), (CommitSample{25, 2500, 2500, std::nullopt}));
    EXPECT_EQ(window.Commit(2).offset, 30);
}

TEST(LagWindowTest, OutOfOrderCommitWithinMinDistanceMergesWithNilLag) {
    PartitionLagWindow window(Options(5, 1000));
    window.AddBrokerOffset(100);
    window.AddCommit(10, 1000, 1000);
    window.AddCommit(30, 3000, 3000);
    EXPECT_EQ(window.AddCommit(12, 1500, 3000), CommitInsert::kInsertedMerged);
    ASSERT_EQ(window.CommitCount(), 2U);
    EXPECT_EQ(window.Commit(0), (CommitSample{12, 1000, 1500, std::nullopt}));
}

TEST(LagWindowTest, ExpiredCommitIsDroppedOnArrival) {
    LagWindowOptions options = Options();
    options.expire_group_ms = 10000;
    PartitionLagWindow window(options);
    window.AddBrokerOffset(100);
    EXPECT_EQ(window.AddCommit(1, 4999, 15000), CommitInsert::kDroppedExpired);
    EXPECT_EQ(window.AddCommit(1, 5000, 15000), CommitInsert::kAppended);
}

// ---- partition rules, in Burrow's order ---------------------------------------------------------------

TEST(LagRulesTest, EmptyWindowIsOkAndIncomplete) {
    PartitionLagWindow window(Options());
    window.AddBrokerOffset(50);
    const PartitionEvaluation result = window.Evaluate(1000);
    EXPECT_EQ(result.status, LagStatus::kOk);
    EXPECT_EQ(result.complete, 0.0);
    EXPECT_EQ(result.current_lag, 0);
    EXPECT_FALSE(result.start.has_value());
}

TEST(LagRulesTest, Rule1CurrentLagWithinAllowedLagIsOk) {
    // A stalled pattern (same offset, lag 5 throughout) that rule 1 accepts because allowed_lag is 5.
    PartitionLagWindow window(Options(5, 0, 5));
    Feed(window, {{15, 10, 0}, {15, 10, 1000}, {15, 10, 2000}, {15, 10, 3000}, {15, 10, 4000}});
    EXPECT_EQ(window.Evaluate(4000).status, LagStatus::kOk);
    PartitionLagWindow strict(Options(5, 0, 4));
    Feed(strict, {{15, 10, 0}, {15, 10, 1000}, {15, 10, 2000}, {15, 10, 3000}, {15, 10, 4000}});
    EXPECT_EQ(strict.Evaluate(4000).status, LagStatus::kStall);
}

TEST(LagRulesTest, Rule1ComesBeforeStopAndRewind) {
    // A small step back (300 -> 295) leaves lag 5: within allowed_lag 5 nothing else is checked.
    PartitionLagWindow window(Options(5, 0, 5));
    Feed(window, {{300, 300, 0}, {300, 295, 1000}});
    EXPECT_EQ(window.Evaluate(1000).status, LagStatus::kOk);
    EXPECT_EQ(window.Evaluate(100000).status, LagStatus::kOk);
    PartitionLagWindow strict(Options(5, 0, 4));
    Feed(strict, {{300, 300, 0}, {300, 295, 1000}});
    EXPECT_EQ(strict.Evaluate(1000).status, LagStatus::kRewind);
}

TEST(LagRulesTest, Rule2StopWhenSilentLongerThanTheWindowSpan) {
    PartitionLagWindow window(Options());
    Feed(window, {{100, 10, 0}, {100, 20, 1000}, {100, 30, 2000}, {100, 40, 3000}, {100, 50, 4000}});
    // now - last (4000) == last - first (4000): not yet.
    PartitionEvaluation result = window.Evaluate(8000);
    EXPECT_EQ(result.status, LagStatus::kOk);  // lag falls 90 -> 50, so rule 7
    result = window.Evaluate(8001);
    EXPECT_EQ(result.status, LagStatus::kStop);
    EXPECT_EQ(result.current_lag, 50);
    EXPECT_EQ(result.complete, 1.0);
    EXPECT_EQ(result.start->offset, 10);
    EXPECT_EQ(result.end->offset, 50);
}

TEST(LagRulesTest, Rule2NoStopWhenARecentBrokerOffsetShowsTheConsumerCaughtUp) {
    PartitionLagWindow window(Options());
    // The first broker offset (45) is <= the last commit (50): the consumer was caught up recently.
    Feed(window, {{45, 10, 0}, {100, 20, 1000}, {100, 30, 2000}, {100, 40, 3000}, {100, 50, 4000}});
    EXPECT_EQ(window.Evaluate(100000).status, LagStatus::kOk);
    window.AddBrokerOffset(100);  // pushes 45 out of the broker ring
    EXPECT_EQ(window.Evaluate(100000).status, LagStatus::kStop);
}

TEST(LagRulesTest, Rule2StopComesBeforeRewind) {
    PartitionLagWindow window(Options());
    Feed(window, {{100, 50, 0}, {100, 40, 1000}});
    EXPECT_EQ(window.Evaluate(1000).status, LagStatus::kRewind);
    EXPECT_EQ(window.Evaluate(2001).status, LagStatus::kStop);
}

TEST(LagRulesTest, Rule3RewindWithoutRecovery) {
    PartitionLagWindow window(Options());
    Feed(window, {{200, 100, 0}, {200, 110, 1000}, {200, 90, 2000}, {200, 95, 3000}, {200, 109, 4000}});
    const PartitionEvaluation result = window.Evaluate(4000);
    EXPECT_EQ(result.status, LagStatus::kRewind);
    EXPECT_EQ(result.current_lag, 91);
}

TEST(LagRulesTest, Rule3RecoveredRewindIsNotHeldAgainstTheConsumer) {
    PartitionLagWindow window(Options());
    // Rewinds to 90 but gets back to exactly 110 (the pre-rewind offset): the later rules decide.
    Feed(window, {{200, 100, 0}, {200, 110, 1000}, {200, 90, 2000}, {200, 105, 3000}, {200, 110, 4000}});
    EXPECT_EQ(window.Evaluate(4000).status, LagStatus::kOk);  // lag went down: rule 7
}

TEST(LagRulesTest, Rule3RewindBeatsZeroLagInTheWindow) {
    PartitionLagWindow window(Options());
    // Caught up (lag 0), then reset to an early offset: rule 4 would say OK, but rewind is checked first.
    Feed(window, {{100, 100, 0}, {100, 100, 1000}, {110, 5, 2000}});
    EXPECT_EQ(window.Evaluate(2000).status, LagStatus::kRewind);
}

TEST(LagRulesTest, Rule4ZeroLagAnywhereInTheWindowIsOk) {
    PartitionLagWindow window(Options());
    // Stuck at 100 with lag 0, then 10, 20, 30: would be a stall but the consumer was caught up.
    Feed(window, {{100, 100, 0}, {110, 100, 1000}, {120, 100, 2000}, {130, 100, 3000}});
    EXPECT_EQ(window.Evaluate(3000).status, LagStatus::kOk);
    // With allowed_lag 10 a lag of exactly 10 counts as caught up.
    PartitionLagWindow allowed(Options(5, 0, 10));
    Feed(allowed, {{110, 100, 0}, {110, 100, 1000}, {120, 100, 2000}, {130, 100, 3000}});
    EXPECT_EQ(allowed.Evaluate(3000).status, LagStatus::kOk);
    PartitionLagWindow strict(Options(5, 0, 9));
    Feed(strict, {{110, 100, 0}, {110, 100, 1000}, {120, 100, 2000}, {130, 100, 3000}});
    EXPECT_EQ(strict.Evaluate(3000).status, LagStatus::kStall);
}

TEST(LagRulesTest, Rule5StallWhenTheOffsetNeverMovesWhileBehind) {
    PartitionLagWindow window(Options());
    Feed(window, {{60, 50, 0}, {70, 50, 1000}, {80, 50, 2000}, {90, 50, 3000}, {100, 50, 4000}});
    const PartitionEvaluation result = window.Evaluate(4000);
    EXPECT_EQ(result.status, LagStatus::kStall);
    EXPECT_EQ(result.current_lag, 50);
}

TEST(LagRulesTest, Rule6WarnWhenAdvancingButLagNeverDecreases) {
    PartitionLagWindow window(Options());
    Feed(window, {{100, 10, 0}, {120, 20, 1000}, {140, 30, 2000}, {160, 40, 3000}, {180, 50, 4000}});
    EXPECT_EQ(window.Evaluate(4000).status, LagStatus::kWarn);
    // Equal lags are "not decreasing" as well.
    PartitionLagWindow flat(Options());
    Feed(flat, {{100, 10, 0}, {110, 20, 1000}, {120, 30, 2000}});
    EXPECT_EQ(flat.Evaluate(2000).status, LagStatus::kWarn);
}

TEST(LagRulesTest, Rule6SkipsNilLags) {
    PartitionLagWindow window(Options());
    window.AddBrokerOffset(100);
    window.AddCommit(10, 1000, 1000);  // lag 90
    window.AddBrokerOffset(130);
    window.AddCommit(30, 3000, 3000);  // lag 100
    window.AddCommit(20, 2000, 3000);  // out of order: nil lag, even though 130 - 20 would be 110
    EXPECT_FALSE(window.Commit(1).lag.has_value());
    EXPECT_EQ(window.Evaluate(3000).status, LagStatus::kWarn);  // 90 -> 100, the nil is skipped
}

TEST(LagRulesTest, Rule7OkWhenLagDecreasesSomewhere) {
    PartitionLagWindow window(Options());
    Feed(window, {{100, 10, 0}, {120, 20, 1000}, {120, 40, 2000}, {150, 50, 3000}});
    EXPECT_EQ(window.Evaluate(3000).status, LagStatus::kOk);  // lags 90, 100, 80, 100
}

TEST(LagRulesTest, IncompleteWindowBelowMinimumCompleteIsOk) {
    PartitionLagWindow window(Options(10, 0, 0, 0.8));
    const std::vector<Step> stall = {{60, 50, 0},    {70, 50, 1000}, {80, 50, 2000}, {90, 50, 3000},
                                     {95, 50, 4000}, {96, 50, 5000}, {97, 50, 6000}, {98, 50, 7000}};
    Feed(window, std::vector<Step>(stall.begin(), stall.begin() + 7));
    PartitionEvaluation result = window.Evaluate(6000);
    EXPECT_EQ(result.status, LagStatus::kOk);
    EXPECT_DOUBLE_EQ(result.complete, 0.7);
    EXPECT_EQ(result.current_lag, 47);
    Feed(window, {stall.back()});
    result = window.Evaluate(7000);
    EXPECT_EQ(result.status, LagStatus::kStall);
    EXPECT_DOUBLE_EQ(result.complete, 0.8);
}

// ---- group -------------------------------------------------------------------------------------------

PartitionLag Part(std::string topic, std::int32_t partition, std::int64_t committed, std::int64_t high) {
    return PartitionLag{std::move(topic), partition, committed, 0, high, ComputeLag(committed, 0, high)};
}

GroupLag Snapshot(std::vector<PartitionLag> partitions) { return GroupLag{"g", std::move(partitions)}; }

TEST(GroupLagEvaluatorTest, NoCommitsIsNotFound) {
    GroupLagEvaluator evaluator("g", Options());
    GroupEvaluation result = evaluator.Evaluate(0);
    EXPECT_EQ(result.status, LagStatus::kNotFound);
    evaluator.Observe(Snapshot({Part("a", 0, -1, 10), Part("a", 1, -1, 3)}), 1000);
    result = evaluator.Evaluate(1000);
    EXPECT_EQ(result.group, "g");
    EXPECT_EQ(result.status, LagStatus::kNotFound);
    EXPECT_EQ(result.complete, 1.0);  // what Burrow answers for NOTFOUND
    EXPECT_TRUE(result.partitions.empty());
    EXPECT_FALSE(result.max_lag.has_value());
    EXPECT_EQ(evaluator.PartitionCount(), 2U);
}

TEST(GroupLagEvaluatorTest, WorstPartitionFoldedIntoErrKeepsPartitionStatuses) {
    GroupLagEvaluator evaluator("g", Options(4));
    // a/0 stuck at 5 (STALL), a/1 falling behind (WARN), a/2 joins late and catches up (OK, half complete).
    evaluator.Observe(Snapshot({Part("a", 0, 5, 10), Part("a", 1, 10, 100)}), 0);
    evaluator.Observe(Snapshot({Part("a", 0, 5, 10), Part("a", 1, 20, 120)}), 1000);
    evaluator.Observe(Snapshot({Part("a", 0, 5, 10), Part("a", 1, 30, 140), Part("a", 2, 30, 40)}), 2000);
    evaluator.Observe(Snapshot({Part("a", 0, 5, 10), Part("a", 1, 40, 160), Part("a", 2, 40, 40)}), 3000);
    const GroupEvaluation result = evaluator.Evaluate(3000);
    EXPECT_EQ(result.status, LagStatus::kErr);
    ASSERT_EQ(result.partitions.size(), 3U);
    EXPECT_EQ(result.partitions[0].topic, "a");
    EXPECT_EQ(result.partitions[0].partition, 0);
    EXPECT_EQ(result.partitions[0].status, LagStatus::kStall);
    EXPECT_EQ(result.partitions[1].status, LagStatus::kWarn);
    EXPECT_EQ(result.partitions[2].status, LagStatus::kOk);
    EXPECT_DOUBLE_EQ(result.partitions[2].complete, 0.5);
    EXPECT_EQ(result.total_lag, 5 + 120 + 0);
    ASSERT_TRUE(result.max_lag.has_value());
    EXPECT_EQ(result.max_lag->partition, 1);
    EXPECT_EQ(result.max_lag->current_lag, 120);
    EXPECT_DOUBLE_EQ(result.complete, 2.0 / 3.0);
    EXPECT_EQ(evaluator.LastCommitMs(), 3000);
}

TEST(GroupLagEvaluatorTest, WarnIsNotFoldedAndTiesKeepTheFirstMaxLag) {
    GroupLagEvaluator evaluator("g", Options(3));
    evaluator.Observe(Snapshot({Part("a", 0, 10, 20), Part("b", 0, 0, 0)}), 0);
    evaluator.Observe(Snapshot({Part("a", 0, 20, 30), Part("b", 0, 0, 10)}), 1000);
    const GroupEvaluation result = evaluator.Evaluate(1000);
    EXPECT_EQ(result.status, LagStatus::kWarn);  // a/0 lag 10, 10; b/0 caught up before (rule 4)
    ASSERT_EQ(result.partitions.size(), 2U);
    EXPECT_EQ(result.partitions[0].status, LagStatus::kWarn);
    EXPECT_EQ(result.partitions[1].status, LagStatus::kOk);
    EXPECT_EQ(result.max_lag->topic, "a");  // both lag 10: the first in order
    EXPECT_EQ(result.total_lag, 20);
    EXPECT_EQ(result.complete, 0.0);
}

TEST(GroupLagEvaluatorTest, ForgetsPartitionsThatDisappear) {
    GroupLagEvaluator evaluator("g", Options());
    evaluator.Observe(Snapshot({Part("a", 0, 1, 5), Part("a", 1, 1, 9)}), 0);
    EXPECT_EQ(evaluator.PartitionCount(), 2U);
    evaluator.Observe(Snapshot({Part("a", 0, 2, 5)}), 1000);
    EXPECT_EQ(evaluator.PartitionCount(), 1U);
    const GroupEvaluation result = evaluator.Evaluate(1000);
    ASSERT_EQ(result.partitions.size(), 1U);
    EXPECT_EQ(result.total_lag, 3);
    // A partition that comes back starts with an empty window.
    evaluator.Observe(Snapshot({Part("a", 0, 3, 5), Part("a", 1, 2, 9)}), 2000);
    const GroupEvaluation again = evaluator.Evaluate(2000);
    ASSERT_EQ(again.partitions.size(), 2U);
    EXPECT_EQ(again.partitions[1].start->offset, 2);
    EXPECT_DOUBLE_EQ(again.partitions[1].complete, 0.2);
}

TEST(GroupLagEvaluatorTest, TopicsWithoutAnyCommitAreNotListed) {
    GroupLagEvaluator evaluator("g", Options());
    evaluator.Observe(Snapshot({Part("a", 0, 4, 5), Part("a", 1, -1, 7), Part("b", 0, -1, 9)}), 0);
    const GroupEvaluation result = evaluator.Evaluate(0);
    ASSERT_EQ(result.partitions.size(), 2U);  // a/0 and a/1; b has no commit at all
    EXPECT_EQ(result.partitions[1].partition, 1);
    EXPECT_EQ(result.partitions[1].status, LagStatus::kOk);
    EXPECT_EQ(result.partitions[1].complete, 0.0);
    EXPECT_EQ(result.partitions[1].current_lag, 0);
    EXPECT_EQ(result.total_lag, 1);
}

TEST(GroupLagEvaluatorTest, ExpiredGroupIsNotFoundUntilItCommitsAgain) {
    LagWindowOptions options = Options();
    options.expire_group_ms = 10000;
    GroupLagEvaluator evaluator("g", options);
    evaluator.Observe(Snapshot({Part("a", 0, 4, 5)}), 0);
    const GroupEvaluation silent = evaluator.Evaluate(10000);  // not expired yet, but silent
    EXPECT_EQ(silent.status, LagStatus::kErr);
    EXPECT_EQ(silent.partitions.at(0).status, LagStatus::kStop);
    // Polls that find no commit keep the broker offsets fresh but add no commit.
    evaluator.Observe(Snapshot({Part("a", 0, -1, 5)}), 10001);
    const GroupEvaluation expired = evaluator.Evaluate(10001);
    EXPECT_EQ(expired.status, LagStatus::kNotFound);
    EXPECT_TRUE(expired.partitions.empty());
    EXPECT_FALSE(evaluator.LastCommitMs().has_value());
    evaluator.Observe(Snapshot({Part("a", 0, 5, 5)}), 12000);
    const GroupEvaluation back = evaluator.Evaluate(12000);
    EXPECT_EQ(back.status, LagStatus::kOk);
    ASSERT_EQ(back.partitions.size(), 1U);
    EXPECT_DOUBLE_EQ(back.partitions[0].complete, 0.2);  // the old commit was forgotten
}

TEST(GroupLagEvaluatorTest, UnchangedCommittedOffsetIsASampleEachPoll) {
    // The poll model: a consumer that stopped shows the same committed offset every poll. Each poll is a
    // sample at the poll time, so the window fills and the partition reaches STALL (not STOP).
    GroupLagEvaluator evaluator("g", Options(3));
    evaluator.Observe(Snapshot({Part("a", 0, 10, 20)}), 0);
    evaluator.Observe(Snapshot({Part("a", 0, 20, 30)}), 10000);
    evaluator.Observe(Snapshot({Part("a", 0, 20, 40)}), 20000);
    EXPECT_EQ(evaluator.Evaluate(20000).partitions[0].status, LagStatus::kWarn);  // lags 10, 10, 20
    evaluator.Observe(Snapshot({Part("a", 0, 20, 50)}), 30000);
    const GroupEvaluation result = evaluator.Evaluate(30000);
    EXPECT_EQ(result.partitions[0].status, LagStatus::kStall);
    EXPECT_EQ(result.status, LagStatus::kErr);
    EXPECT_EQ(result.partitions[0].current_lag, 30);
}

}  // namespace
}  // namespace cosmic::kafka
