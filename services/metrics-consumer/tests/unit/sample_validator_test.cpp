#include "cosmic/metrics_consumer/sample_validator.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace cosmic::metrics {
namespace {

schema::Event ValidSample() {
    schema::Event event;
    event.topic = schema::TopicId::kJobMetrics;
    event.event_type = "job.metrics";
    event.event_id = "e-1";
    event.job_id = "job-1";
    event.sample = {12.5, 256, 1, 2, 1000, "2026-01-01T00:00:00.000Z"};
    return event;
}

TEST(SampleValidatorTest, ValidSampleHasNoViolation) { EXPECT_FALSE(ValidateSample(ValidSample()).has_value()); }

TEST(SampleValidatorTest, ZeroValuesAreValid) {
    schema::Event event = ValidSample();
    event.sample = {0, 0, 0, 0, 0, ""};
    EXPECT_FALSE(ValidateSample(event).has_value());
}

TEST(SampleValidatorTest, NamesTheBrokenField) {
    struct Case {
        void (*mutate)(schema::Event&);
        const char* field;
        const char* reason;
    };
    const Case cases[] = {
        {[](schema::Event& e) { e.job_id.clear(); }, "job_id", "missing"},
        {[](schema::Event& e) { e.event_id.clear(); }, "event_id", "missing"},
        {[](schema::Event& e) { e.sample.cpu_percent = -1; }, "payload.cpu_percent", "negative"},
        {[](schema::Event& e) { e.sample.memory_mb = std::numeric_limits<double>::quiet_NaN(); }, "payload.memory_mb",
         "NaN"},
        {[](schema::Event& e) { e.sample.io_read_mb = std::numeric_limits<double>::infinity(); }, "payload.io_read_mb",
         "not finite"},
        {[](schema::Event& e) { e.sample.io_write_mb = -0.5; }, "payload.io_write_mb", "negative"},
        {[](schema::Event& e) { e.sample.execution_time_ms = -3; }, "payload.execution_time_ms", "negative"},
    };
    for (const Case& c : cases) {
        schema::Event event = ValidSample();
        c.mutate(event);
        const auto violation = ValidateSample(event);
        ASSERT_TRUE(violation.has_value()) << c.field;
        EXPECT_EQ(violation->field, c.field);
        EXPECT_EQ(violation->reason, c.reason);
    }
}

}  // namespace
}  // namespace cosmic::metrics
