// loadgen events: the events it generates are what the suite's consumers accept (or, for the
// broken shapes, exactly the violation asked for), keyed like the publishers, lifecycle in order.

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "cosmic/schema/parser.hpp"
#include "event_load.hpp"

namespace cosmic::loadgen {
namespace {

using schema::TopicId;

EventLoadOptions Options(std::string topic, Shape shape = Shape::kValid) {
    EventLoadOptions options;
    options.topic = std::move(topic);
    options.shape = shape;
    options.jobs = 5;
    options.job_prefix = "t";
    return options;
}

TEST(EventLoadTest, ValidEventsOfEveryTopicParseAndAreKeyedByTheirKeyField) {
    schema::Parser parser;
    for (const auto& [name, topic] : std::vector<std::pair<std::string, TopicId>>{
             {"job-lifecycle", TopicId::kJobLifecycle},
             {"job-metrics", TopicId::kJobMetrics},
             {"audit-trail", TopicId::kAuditTrail},
             {"system-health", TopicId::kSystemHealth}}) {
        const EventLoadOptions options = Options(name);
        for (std::uint64_t i = 0; i < 40; ++i) {
            const GeneratedEvent generated = MakeEvent(options, topic, i);
            schema::Event event;
            const auto violation = parser.Parse(topic, generated.value, event);
            ASSERT_FALSE(violation) << name << " #" << i << ": " << violation->ToString() << "\n" << generated.value;
            EXPECT_EQ(generated.key, event.Key()) << name;
        }
    }
}

TEST(EventLoadTest, LifecycleEventsOfAJobComeInOrderAndEndTerminal) {
    EventLoadOptions options = Options("job-lifecycle");
    options.failure_percent = 40;
    schema::Parser parser;
    std::map<std::string, std::vector<std::string>> per_job;
    for (std::uint64_t i = 0; i < options.jobs * 4 * 2; ++i) {
        schema::Event event;
        ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, MakeEvent(options, TopicId::kJobLifecycle, i).value, event));
        per_job[event.job_id].push_back(event.event_type);
    }
    EXPECT_EQ(per_job.size(), options.jobs * 2);
    int failed = 0;
    for (const auto& [job, types] : per_job) {
        ASSERT_EQ(types.size(), 4U) << job;
        EXPECT_EQ(types[0], "job.submitted");
        EXPECT_EQ(types[1], "job.queued");
        EXPECT_EQ(types[2], "job.running");
        EXPECT_TRUE(types[3] == "job.completed" || types[3] == "job.failed") << types[3];
        failed += types[3] == "job.failed" ? 1 : 0;
    }
    EXPECT_GT(failed, 0);
    EXPECT_LT(failed, static_cast<int>(per_job.size()));
}

TEST(EventLoadTest, LegacyNamesAreReadAsTheSuitesTypes) {
    schema::Parser parser;
    const EventLoadOptions metrics = Options("job-metrics", Shape::kLegacyNames);
    const GeneratedEvent sample = MakeEvent(metrics, TopicId::kJobMetrics, 3);
    EXPECT_NE(sample.value.find("job.metrics_recorded"), std::string::npos);
    schema::Event event;
    ASSERT_FALSE(parser.Parse(TopicId::kJobMetrics, sample.value, event));
    EXPECT_EQ(event.event_type, "job.metrics");

    const EventLoadOptions lifecycle = Options("job-lifecycle", Shape::kLegacyNames);
    for (std::uint64_t i = 0; i < 20; ++i) {
        const GeneratedEvent generated = MakeEvent(lifecycle, TopicId::kJobLifecycle, i);
        EXPECT_NE(generated.value.find("job.status.changed"), std::string::npos);
        const auto violation = parser.Parse(TopicId::kJobLifecycle, generated.value, event);
        ASSERT_FALSE(violation) << violation->ToString();
        EXPECT_NE(event.event_type, "job.status.changed");
    }
}

TEST(EventLoadTest, BrokenShapesAreTheViolationsAsked) {
    schema::Parser parser;
    schema::Event event;
    const auto malformed = parser.Parse(
        TopicId::kJobMetrics, MakeEvent(Options("job-metrics", Shape::kMalformed), TopicId::kJobMetrics, 0).value, event);
    ASSERT_TRUE(malformed);
    const auto missing = parser.Parse(
        TopicId::kJobMetrics, MakeEvent(Options("job-metrics", Shape::kMissingFields), TopicId::kJobMetrics, 0).value,
        event);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->field, "job_id");
    const auto audit = parser.Parse(
        TopicId::kAuditTrail, MakeEvent(Options("audit-trail", Shape::kMissingFields), TopicId::kAuditTrail, 0).value,
        event);
    ASSERT_TRUE(audit);
    EXPECT_EQ(audit->field, "resource_id");
}

TEST(EventLoadTest, CommandLineErrorsNameTheOption) {
    EventLoadOptions options;
    bool help = false;
    const char* no_topic[] = {"events", "--count", "10"};
    EXPECT_NE(ParseEventArgs(3, no_topic, options, help)->find("--topic"), std::string::npos);
    const char* bad_shape[] = {"events", "--topic", "job-metrics", "--shape", "weird"};
    EXPECT_NE(ParseEventArgs(5, bad_shape, options, help)->find("--shape"), std::string::npos);
    const char* bad_count[] = {"events", "--topic", "job-metrics", "--count", "many"};
    EXPECT_NE(ParseEventArgs(5, bad_count, options, help)->find("--count"), std::string::npos);
    const char* good[] = {"events", "--topic", "audit-trail", "--count", "7", "--rate", "100", "--property", "linger.ms=0"};
    EXPECT_FALSE(ParseEventArgs(9, good, options, help));
    EXPECT_EQ(options.count, 7U);
    EXPECT_EQ(options.properties.at("linger.ms"), "0");
}

}  // namespace
}  // namespace cosmic::loadgen
