// The job.metrics handler: a sample that breaks the domain rules is dead-lettered by returning
// the outcome with its violation (no exception), and never aggregated.

#include "cosmic/metrics_consumer/sample_handler.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "test_support.hpp"

namespace cosmic::metrics {
namespace {

using testing::MetricsEvent;

TEST(SampleHandlerTest, AggregatesAValidSample) {
    JobAggregator aggregator;
    SampleHandler handler(aggregator);
    EXPECT_TRUE(handler.Handle(MetricsEvent("job-1", "e1", "alice")).IsOk());
    EXPECT_TRUE(aggregator.Get("job-1"));
    EXPECT_EQ(handler.Processed(), 1u);
    EXPECT_EQ(handler.Invalid(), 0u);
}

TEST(SampleHandlerTest, DeadLettersABreakingSampleWithItsViolation) {
    JobAggregator aggregator;
    SampleHandler handler(aggregator);
    schema::Event negative = MetricsEvent("job-1", "e1", "alice", -5);
    kafka::Outcome outcome = handler.Handle(negative);
    EXPECT_TRUE(outcome.IsDeadLetter()) << outcome;
    EXPECT_EQ(outcome.ErrorClass(), kInvalidSample);
    EXPECT_NE(outcome.Reason().find("payload.cpu_percent"), std::string::npos) << outcome;

    schema::Event nan = MetricsEvent("job-1", "e2", "alice", 10, std::numeric_limits<double>::quiet_NaN());
    outcome = handler.Handle(nan);
    EXPECT_TRUE(outcome.IsDeadLetter()) << outcome;
    EXPECT_NE(outcome.Reason().find("payload.memory_mb"), std::string::npos) << outcome;

    EXPECT_FALSE(aggregator.Get("job-1")) << "a dead-lettered sample is never aggregated";
    EXPECT_EQ(handler.Processed(), 2u);
    EXPECT_EQ(handler.Invalid(), 2u);
}

}  // namespace
}  // namespace cosmic::metrics
