#include "cosmic/job_orchestrator/sim_model.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cosmic::orchestrator {
namespace {

using std::chrono::milliseconds;

SimModelOptions Options(DurationDistribution distribution, double failure_rate = 0) {
    SimModelOptions options;
    options.distribution = distribution;
    options.mean = milliseconds(100);
    options.min = milliseconds(50);
    options.max = milliseconds(300);
    options.failure_rate = failure_rate;
    options.seed = 7;
    return options;
}

TEST(SimModelTest, DurationsStayInsideTheirDistributionBounds) {
    SimModel fixed(Options(DurationDistribution::kFixed));
    SimModel uniform(Options(DurationDistribution::kUniform));
    SimModel exponential(Options(DurationDistribution::kExponential));
    bool uniform_varies = false;
    const auto first = uniform.Duration();
    for (int i = 0; i < 1000; ++i) {
        EXPECT_EQ(fixed.Duration(), milliseconds(100));
        const auto u = uniform.Duration();
        EXPECT_GE(u, milliseconds(50));
        EXPECT_LE(u, milliseconds(300));
        uniform_varies = uniform_varies || u != first;
        const auto e = exponential.Duration();
        EXPECT_GE(e, milliseconds(50));
        EXPECT_LE(e, milliseconds(300));
    }
    EXPECT_TRUE(uniform_varies);
}

TEST(SimModelTest, FailureRateZeroNeverFailsAndOneAlwaysFails) {
    SimModel never(Options(DurationDistribution::kFixed, 0.0));
    SimModel always(Options(DurationDistribution::kFixed, 1.0));
    SimModel half(Options(DurationDistribution::kFixed, 0.5));
    int failures = 0;
    for (int i = 0; i < 1000; ++i) {
        EXPECT_FALSE(never.Outcome());
        const auto failure = always.Outcome();
        ASSERT_TRUE(failure);
        EXPECT_FALSE(failure->error.empty());
        EXPECT_FALSE(failure->error_code.empty());
        failures += half.Outcome() ? 1 : 0;
    }
    EXPECT_GT(failures, 350);
    EXPECT_LT(failures, 650);
}

TEST(SimModelTest, SamplesAreValidAndIoIsCumulative) {
    SimModel model(Options(DurationDistribution::kFixed));
    SimUsage usage = model.NewUsage();
    double last_read = 0;
    double last_write = 0;
    for (int i = 0; i < 100; ++i) {
        const schema::MetricsSample sample = model.Sample(usage, i * 10, 1'700'000'000'000);
        EXPECT_GE(sample.cpu_percent, 0);
        EXPECT_LE(sample.cpu_percent, 100);
        EXPECT_GT(sample.memory_mb, 0);
        EXPECT_GE(sample.io_read_mb, last_read);
        EXPECT_GE(sample.io_write_mb, last_write);
        EXPECT_EQ(sample.execution_time_ms, i * 10);
        EXPECT_TRUE(schema::ParseTimestamp(sample.sampled_at));
        last_read = sample.io_read_mb;
        last_write = sample.io_write_mb;
    }
}

TEST(SimModelTest, SameSeedSameSequence) {
    SimModel a(Options(DurationDistribution::kUniform, 0.3));
    SimModel b(Options(DurationDistribution::kUniform, 0.3));
    for (int i = 0; i < 50; ++i) {
        EXPECT_EQ(a.Duration(), b.Duration());
        EXPECT_EQ(a.Outcome().has_value(), b.Outcome().has_value());
    }
}

TEST(SimModelTest, DistributionNamesParse) {
    for (auto d : {DurationDistribution::kFixed, DurationDistribution::kUniform, DurationDistribution::kExponential}) {
        EXPECT_EQ(ParseDurationDistribution(ToString(d)), d);
    }
    EXPECT_THROW(ParseDurationDistribution("normal"), std::invalid_argument);
}

}  // namespace
}  // namespace cosmic::orchestrator
