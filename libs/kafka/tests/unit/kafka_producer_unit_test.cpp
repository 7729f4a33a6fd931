// Producer behaviour that needs no broker: disabled mode, config errors, backpressure against
// an unreachable bootstrap address, purge on close.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::kafka {
namespace {

double CounterValue(prometheus::Registry& registry, std::string_view name, std::string_view topic) {
    for (const auto& family : registry.Collect()) {
        if (family.name != name) continue;
        for (const auto& metric : family.metric) {
            for (const auto& label : metric.label) {
                if (label.name == "topic" && label.value == topic) return metric.counter.value;
            }
        }
    }
    return -1;
}

schema::Event SubmittedEvent() {
    schema::Event event = schema::NewEvent(schema::TopicId::kJobLifecycle, "job.submitted", "producer-test");
    event.job_id = "job-1";
    event.correlation_id = "corr-1";
    return event;
}

ClientConfig Unreachable() {
    ClientConfig config;
    // Port 1 on loopback refuses connections: records stay queued locally.
    config.properties = {{"bootstrap.servers", "127.0.0.1:1"}, {"reconnect.backoff.ms", "1000"}};
    return config;
}

TEST(ProducerUnitTest, DisabledModeCountsSkippedNoOps) {
    auto registry = std::make_shared<prometheus::Registry>();
    ClientConfig config;
    config.enabled = false;
    Producer producer(config, {}, registry);
    EXPECT_FALSE(producer.Enabled());

    std::vector<DeliveryReport> reports;
    EXPECT_FALSE(producer.Publish(SubmittedEvent(), {}, [&](const DeliveryReport& r) { reports.push_back(r); }));
    OutgoingMessage raw;
    raw.topic = "job-lifecycle.dlq";
    raw.value = "x";
    EXPECT_FALSE(producer.Send(raw));
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].skipped);
    EXPECT_FALSE(reports[0].error);
    EXPECT_EQ(reports[0].topic, "job-lifecycle");
    EXPECT_EQ(CounterValue(*registry, "cosmic_produce_skipped_total", "job-lifecycle"), 1);
    EXPECT_EQ(CounterValue(*registry, "cosmic_produce_skipped_total", "job-lifecycle.dlq"), 1);
    EXPECT_EQ(CounterValue(*registry, "cosmic_events_produced_total", "job-lifecycle"), 0);
    EXPECT_EQ(producer.Flush(std::chrono::milliseconds(0)), 0u);
}

TEST(ProducerUnitTest, RejectsPropertiesLibrdkafkaRejects) {
    ClientConfig config;
    config.properties = {{"no.such.property", "1"}};
    EXPECT_THROW(Producer(config, {}, nullptr), std::invalid_argument);
    config.properties = {{"linger.ms", "not-a-number"}};
    EXPECT_THROW(Producer(config, {}, nullptr), std::invalid_argument);
}

TEST(ProducerUnitTest, FullQueueBlocksThenFailsClearlyAndCloseFailsTheRest) {
    auto registry = std::make_shared<prometheus::Registry>();
    ProducerOptions options;
    options.max_queued_messages = 3;
    options.enqueue_timeout = std::chrono::milliseconds(50);
    Producer producer(Unreachable(), options, registry);

    std::mutex mutex;
    std::vector<KafkaError> errors;
    auto callback = [&](const DeliveryReport& report) {
        std::lock_guard lock(mutex);
        errors.push_back(report.error);
    };
    for (int i = 0; i < 3; ++i) {
        ASSERT_FALSE(producer.Publish(SubmittedEvent(), {}, callback)) << i;
    }
    EXPECT_EQ(producer.Outstanding(), 3u);
    const auto start = std::chrono::steady_clock::now();
    const KafkaError full = producer.Publish(SubmittedEvent(), {}, callback);
    EXPECT_GE(std::chrono::steady_clock::now() - start, options.enqueue_timeout) << "must block before failing";
    EXPECT_EQ(full.Code(), RD_KAFKA_RESP_ERR__QUEUE_FULL);
    EXPECT_TRUE(full.Retriable());
    EXPECT_EQ(CounterValue(*registry, "cosmic_produce_errors_total", "job-lifecycle"), 1);

    EXPECT_EQ(producer.Flush(std::chrono::milliseconds(20)), 3u);
    EXPECT_EQ(producer.Close(std::chrono::milliseconds(0)), 3u);
    EXPECT_EQ(producer.Outstanding(), 0u);
    std::lock_guard lock(mutex);
    ASSERT_EQ(errors.size(), 3u) << "every queued record gets exactly one report";
    for (const auto& error : errors) {
        EXPECT_EQ(error.Code(), RD_KAFKA_RESP_ERR__PURGE_QUEUE);
    }
    EXPECT_EQ(producer.Publish(SubmittedEvent()).Code(), RD_KAFKA_RESP_ERR__DESTROY);
}

}  // namespace
}  // namespace cosmic::kafka
