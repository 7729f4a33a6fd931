#include "cosmic/metrics_consumer/quantile_sketch.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace cosmic::metrics {
namespace {

double Exact(std::vector<double> values, double q) {
    // Nearest rank, the definition the sketch implements.
    std::sort(values.begin(), values.end());
    const auto nearest = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[nearest == 0 ? 0 : nearest - 1];
}

template <typename Sketch>
void ExpectWithinBound(const Sketch& sketch, const std::vector<double>& values, double q) {
    const double exact = Exact(values, q);
    EXPECT_NEAR(sketch.Quantile(q), exact, exact * kRelativeAccuracy + 1e-9) << "q=" << q;
}

TEST(QuantileSketchTest, EmptySketchHasNoQuantile) {
    JobSketch sketch;
    EXPECT_TRUE(std::isnan(sketch.Quantile(0.5)));
    EXPECT_EQ(sketch.Total(), 0u);
}

TEST(QuantileSketchTest, SingleValueIsReturnedWithinTheBound) {
    JobSketch sketch;
    sketch.Add(1234);
    for (double q : {0.0, 0.5, 0.99, 1.0}) EXPECT_NEAR(sketch.Quantile(q), 1234, 1234 * kRelativeAccuracy);
}

TEST(QuantileSketchTest, ZerosAreExact) {
    JobSketch sketch;
    std::vector<double> values;
    for (int i = 0; i < 100; ++i) values.push_back(i < 60 ? 0 : 500);
    for (double v : values) sketch.Add(v);
    EXPECT_EQ(sketch.Quantile(0.5), 0.0);
    EXPECT_NEAR(sketch.Quantile(0.95), 500, 500 * kRelativeAccuracy);
}

TEST(QuantileSketchTest, UniformValuesWithinRelativeErrorInLargeSketch) {
    QuantileSketch<512, std::uint32_t> sketch;
    std::vector<double> values;
    for (int i = 1; i <= 10000; ++i) values.push_back(i);
    std::shuffle(values.begin(), values.end(), std::mt19937(7));
    for (double v : values) sketch.Add(v);
    EXPECT_FALSE(sketch.Collapsed());
    for (double q : {0.01, 0.25, 0.5, 0.95, 0.99, 1.0}) ExpectWithinBound(sketch, values, q);
}

TEST(QuantileSketchTest, LognormalValuesWithinRelativeErrorInLargeSketch) {
    QuantileSketch<512, std::uint32_t> sketch;
    std::mt19937 rng(11);
    std::lognormal_distribution<double> dist(7.0, 1.5);
    std::vector<double> values;
    for (int i = 0; i < 50000; ++i) values.push_back(dist(rng));
    for (double v : values) sketch.Add(v);
    for (double q : {0.5, 0.95, 0.99}) ExpectWithinBound(sketch, values, q);
}

TEST(QuantileSketchTest, NarrowRangeIsExactToTheBoundInJobSketch) {
    JobSketch sketch;
    std::mt19937 rng(3);
    std::uniform_real_distribution<double> dist(1000, 2000);  // 18 buckets: no collapse
    std::vector<double> values;
    for (int i = 0; i < 5000; ++i) values.push_back(dist(rng));
    for (double v : values) sketch.Add(v);
    EXPECT_FALSE(sketch.Collapsed());
    for (double q : {0.0, 0.5, 0.95, 0.99, 1.0}) ExpectWithinBound(sketch, values, q);
}

TEST(QuantileSketchTest, GrowingExecutionTimeKeepsHighQuantilesAfterCollapsing) {
    // A running job reports its elapsed time: values grow from 1 ms to 100 s.
    JobSketch sketch;
    std::vector<double> values;
    for (int i = 1; i <= 100000; ++i) values.push_back(i);
    for (double v : values) sketch.Add(v);
    EXPECT_TRUE(sketch.Collapsed());
    EXPECT_LE(sketch.BucketCount(), JobSketch::kBuckets);
    for (double q : {0.5, 0.95, 0.99}) ExpectWithinBound(sketch, values, q);
}

TEST(QuantileSketchTest, CollapsedQuantilesAreOverEstimatedNeverUnder) {
    JobSketch sketch;
    std::mt19937 rng(5);
    std::lognormal_distribution<double> dist(5.0, 2.0);
    std::vector<double> values;
    for (int i = 0; i < 20000; ++i) values.push_back(dist(rng));
    for (double v : values) sketch.Add(v);
    ASSERT_TRUE(sketch.Collapsed());
    const double max = *std::max_element(values.begin(), values.end());
    const double guaranteed_from = max / std::pow(sketch_detail::kGamma, JobSketch::kBuckets - 1);
    for (double q : {0.1, 0.5, 0.9, 0.95, 0.99, 0.999}) {
        const double exact = Exact(values, q);
        const double estimate = sketch.Quantile(q);
        EXPECT_GE(estimate, exact * (1 - kRelativeAccuracy)) << "q=" << q;
        if (exact >= guaranteed_from) {
            EXPECT_NEAR(estimate, exact, exact * kRelativeAccuracy) << "q=" << q;
        }
    }
}

TEST(QuantileSketchTest, CountsSaturateByHalvingWithoutLosingQuantiles) {
    JobSketch sketch;
    std::vector<double> values;
    // 300k observations: far beyond a 16-bit count, so every bucket gets halved several times.
    for (int round = 0; round < 3000; ++round) {
        for (int v = 100; v < 200; ++v) values.push_back(v);
    }
    for (double v : values) sketch.Add(v);
    EXPECT_LE(sketch.Total(), JobSketch::kBuckets * 65535u);
    for (double q : {0.05, 0.5, 0.95, 0.99}) ExpectWithinBound(sketch, values, q);
}

TEST(QuantileSketchTest, JobSketchIsSmall) { EXPECT_LE(sizeof(JobSketch), 100u); }

}  // namespace
}  // namespace cosmic::metrics
