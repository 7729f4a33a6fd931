#include "cosmic/kafka/lag_time.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <utility>
#include <vector>

namespace cosmic::kafka {
namespace {

std::vector<LagPoint> Points(const LookupTable& table) {
    std::vector<LagPoint> out;
    for (std::size_t i = 0; i < table.Size(); ++i) out.push_back(table.Point(i));
    return out;
}

LookupTable TableOf(const std::vector<LagPoint>& points, std::size_t capacity = LookupTable::kDefaultCapacity) {
    LookupTable table(capacity);
    for (const LagPoint& point : points) {
        EXPECT_EQ(table.AddPoint(point), AddPointResult::kAppended);
    }
    return table;
}

TEST(LookupTableTest, CapacityDefaultsToSixtyAndMustAllowTwoPoints) {
    EXPECT_EQ(LookupTable().Capacity(), 60U);
    EXPECT_THROW(LookupTable(1), std::invalid_argument);
    EXPECT_EQ(LookupTable(2).Capacity(), 2U);
}

TEST(LookupTableTest, RejectsOutOfOrderAndNonMonotonicPoints) {
    LookupTable table;
    EXPECT_FALSE(table.MostRecent().has_value());
    EXPECT_EQ(table.AddPoint({100, 1000}), AddPointResult::kAppended);
    EXPECT_EQ(table.AddPoint({150, 1000}), AddPointResult::kOutOfOrder);  // same time
    EXPECT_EQ(table.AddPoint({150, 900}), AddPointResult::kOutOfOrder);
    EXPECT_EQ(table.AddPoint({99, 2000}), AddPointResult::kNonMonotonic);
    EXPECT_EQ(table.AddPoint({100, 2000}), AddPointResult::kAppended);  // equal offset is monotonic
    EXPECT_EQ(Points(table), (std::vector<LagPoint>{{100, 1000}, {100, 2000}}));
    EXPECT_EQ(table.MostRecent(), (LagPoint{100, 2000}));
}

TEST(LookupTableTest, CompressesAFlatLineIntoOneSegment) {
    LookupTable table;
    table.AddPoint({200, 1000});
    table.AddPoint({200, 2000});
    EXPECT_EQ(table.AddPoint({200, 3000}), AddPointResult::kReplacedNewest);
    EXPECT_EQ(table.AddPoint({200, 4000}), AddPointResult::kReplacedNewest);
    EXPECT_EQ(Points(table), (std::vector<LagPoint>{{200, 1000}, {200, 4000}}));
    EXPECT_EQ(table.AddPoint({250, 5000}), AddPointResult::kAppended);
    EXPECT_EQ(table.AddPoint({250, 6000}), AddPointResult::kAppended);  // only one point at 250 before
    EXPECT_EQ(Points(table), (std::vector<LagPoint>{{200, 1000}, {200, 4000}, {250, 5000}, {250, 6000}}));
}

TEST(LookupTableTest, FullTableEvictsTheOldestButAFlatReplaceDoesNot) {
    LookupTable table(3);
    table.AddPoint({10, 1000});
    table.AddPoint({20, 2000});
    table.AddPoint({30, 3000});
    EXPECT_EQ(table.AddPoint({40, 4000}), AddPointResult::kAppended);
    EXPECT_EQ(Points(table), (std::vector<LagPoint>{{20, 2000}, {30, 3000}, {40, 4000}}));
    table.AddPoint({40, 5000});  // appended: evicts 20
    EXPECT_EQ(table.AddPoint({40, 6000}), AddPointResult::kReplacedNewest);
    EXPECT_EQ(Points(table), (std::vector<LagPoint>{{30, 3000}, {40, 4000}, {40, 6000}}));
    table.Clear();
    EXPECT_EQ(table.Size(), 0U);
}

TEST(LookupTableTest, NewestOffsetIsZeroLagEvenWithOnePoint) {
    const LookupTable table = TableOf({{100, 1000}});
    EXPECT_EQ(table.Lookup(100).kind, LookupResult::Kind::kLagIsZero);
    EXPECT_EQ(table.LagSeconds(100, 99999), 0.0);
}

TEST(LookupTableTest, FewerThanTwoPointsGiveNoEstimate) {
    EXPECT_EQ(LookupTable().Lookup(5).kind, LookupResult::Kind::kTooFewPoints);
    EXPECT_FALSE(LookupTable().LagSeconds(5, 1000).has_value());
    const LookupTable one = TableOf({{100, 1000}});
    EXPECT_EQ(one.Lookup(50).kind, LookupResult::Kind::kTooFewPoints);
    EXPECT_FALSE(one.LagSeconds(50, 2000).has_value());
}

TEST(LookupTableTest, InterpolatesBetweenTheBracketingPair) {
    const LookupTable table = TableOf({{100, 1000}, {200, 2000}, {300, 4000}});
    LookupResult result = table.Lookup(250);
    EXPECT_EQ(result.kind, LookupResult::Kind::kPrediction);
    EXPECT_FALSE(result.extrapolated);
    EXPECT_DOUBLE_EQ(result.time_ms, 3000.0);  // 4000 - 50 * 2000 / 100
    EXPECT_DOUBLE_EQ(table.Lookup(150).time_ms, 1500.0);
    EXPECT_DOUBLE_EQ(table.Lookup(100).time_ms, 1000.0);
    EXPECT_DOUBLE_EQ(table.Lookup(200).time_ms, 2000.0);
    EXPECT_DOUBLE_EQ(*table.LagSeconds(250, 5000), 2.0);
    EXPECT_DOUBLE_EQ(*table.LagSeconds(101, 4000), 2.99);
}

TEST(LookupTableTest, SearchesNewestFirstSoAFlatStretchDatesFromItsEnd) {
    // The partition sat at 200 from 2000 to 3000: a consumer at 200 has been behind since 3000, not 2000.
    LookupTable table;
    table.AddPoint({100, 1000});
    table.AddPoint({200, 2000});
    table.AddPoint({200, 3000});
    table.AddPoint({300, 4000});
    EXPECT_DOUBLE_EQ(table.Lookup(200).time_ms, 3000.0);
    EXPECT_DOUBLE_EQ(*table.LagSeconds(200, 4000), 1.0);
}

TEST(LookupTableTest, ExtrapolatesAlongTheOldestToNewestLine) {
    const LookupTable table = TableOf({{100, 1000}, {200, 2000}, {400, 3000}});
    LookupResult below = table.Lookup(50);
    EXPECT_EQ(below.kind, LookupResult::Kind::kPrediction);
    EXPECT_TRUE(below.extrapolated);
    EXPECT_DOUBLE_EQ(below.time_ms, 3000.0 - 350.0 * 2000.0 / 300.0);
    EXPECT_NEAR(*table.LagSeconds(50, 3000), 350.0 * 2000.0 / 300.0 / 1000.0, 1e-9);
    // Beyond the newest point (the commit was read after the watermark): a negative lag, as upstream.
    LookupResult above = table.Lookup(430);
    EXPECT_TRUE(above.extrapolated);
    EXPECT_DOUBLE_EQ(above.time_ms, 3000.0 + 30.0 * 2000.0 / 300.0);
    EXPECT_DOUBLE_EQ(*table.LagSeconds(430, 3000), -0.2);
}

TEST(LookupTableTest, FlatTableCannotDateAnOlderOffset) {
    // Nothing was written during the whole table: upstream divides by zero (+-Inf). No number here.
    LookupTable table;
    table.AddPoint({200, 1000});
    table.AddPoint({200, 2000});
    const LookupResult result = table.Lookup(150);
    EXPECT_EQ(result.kind, LookupResult::Kind::kPrediction);
    EXPECT_TRUE(std::isinf(result.time_ms));
    EXPECT_LT(result.time_ms, 0.0);
    EXPECT_FALSE(table.LagSeconds(150, 3000).has_value());
    EXPECT_TRUE(std::isinf(table.Lookup(250).time_ms));
    EXPECT_GT(table.Lookup(250).time_ms, 0.0);
    EXPECT_EQ(*table.LagSeconds(200, 3000), 0.0);
}

TEST(LookupTableTest, PropertyLagWithinTheTableIsNeverNegativeAndFallsWithTheOffset) {
    std::mt19937_64 random(20261123);
    std::uniform_int_distribution<int> step_kind(0, 3);
    std::uniform_int_distribution<std::int64_t> step_size(1, 500);
    std::uniform_int_distribution<std::int64_t> poll_gap(1, 60000);
    for (int round = 0; round < 200; ++round) {
        LookupTable table(2 + static_cast<std::size_t>(round % 40));
        std::int64_t offset = step_size(random);
        std::int64_t time_ms = 1000000;
        const int polls = 2 + round % 90;
        for (int i = 0; i < polls; ++i) {
            ASSERT_NE(table.AddPoint({offset, time_ms}), AddPointResult::kOutOfOrder);
            if (step_kind(random) != 0) offset += step_size(random);  // a quarter of the polls see no writes
            time_ms += poll_gap(random);
        }
        const std::int64_t oldest = table.Point(0).offset;
        const std::int64_t newest = table.MostRecent()->offset;
        const std::int64_t snapshot = table.MostRecent()->time_ms + poll_gap(random) % 2000;
        std::uniform_int_distribution<std::int64_t> committed_in(oldest, newest);
        for (int probe = 0; probe < 50; ++probe) {
            std::int64_t a = committed_in(random);
            std::int64_t b = committed_in(random);
            if (a > b) std::swap(a, b);
            const std::optional<double> lag_a = table.LagSeconds(a, snapshot);
            const std::optional<double> lag_b = table.LagSeconds(b, snapshot);
            if (table.Size() < 2 && a != newest) {
                EXPECT_FALSE(lag_a.has_value());
                continue;
            }
            ASSERT_TRUE(lag_a.has_value()) << "round " << round << " offset " << a;
            ASSERT_TRUE(lag_b.has_value()) << "round " << round << " offset " << b;
            EXPECT_GE(*lag_a, 0.0) << "round " << round << " offset " << a;
            EXPECT_GE(*lag_a, *lag_b) << "round " << round << " offsets " << a << " <= " << b;
            const double span_s = static_cast<double>(snapshot - table.Point(0).time_ms) / 1000.0;
            EXPECT_LE(*lag_a, span_s) << "round " << round;
        }
    }
}

TEST(AbsoluteThresholdsTest, ReportsWhichLimitWasCrossed) {
    const AbsoluteThresholds both{1000, 60.0};
    EXPECT_EQ(CheckThresholds(both, 1000, 60.0), (ThresholdCrossing{false, false}));  // equal does not cross
    EXPECT_EQ(CheckThresholds(both, 1001, 60.0), (ThresholdCrossing{true, false}));
    EXPECT_EQ(CheckThresholds(both, 10, 60.5), (ThresholdCrossing{false, true}));
    EXPECT_EQ(CheckThresholds(both, 5000, 600.0), (ThresholdCrossing{true, true}));
    EXPECT_EQ(CheckThresholds(both, 10, std::nullopt), (ThresholdCrossing{false, false}));
    EXPECT_TRUE(CheckThresholds(both, 5000, std::nullopt).Any());
    EXPECT_FALSE(CheckThresholds(both, 0, 0.0).Any());
    const AbsoluteThresholds none{};
    EXPECT_FALSE(CheckThresholds(none, 1 << 30, 1e9).Any());
    const AbsoluteThresholds zero_messages{0, std::nullopt};
    EXPECT_EQ(CheckThresholds(zero_messages, 1, 1e9), (ThresholdCrossing{true, false}));
}

}  // namespace
}  // namespace cosmic::kafka
