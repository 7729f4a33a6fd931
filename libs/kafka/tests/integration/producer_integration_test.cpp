// The producer against the mock cluster: what lands on the wire, ordering per key, exactly-once
// delivery through retriable broker errors, flush accounting while brokers are down.

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <set>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/telemetry/trace.hpp"
#include "runner_test_support.hpp"

namespace cosmic::kafka::test {
namespace {

class ProducerIntegrationTest : public testing::EmbeddedClusterTest {
protected:
    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
};

TEST_F(ProducerIntegrationTest, PublishSendsEnvelopeKeyAndStandardHeaders) {
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    const schema::Event event = LifecycleEvent("job-17", "corr-17");
    const Header extra{"x-tenant", "blue"};
    std::promise<DeliveryReport> delivered;
    ASSERT_FALSE(producer.Publish(event, PublishOptions{{}, std::span<const Header>(&extra, 1)},
                                  [&](const DeliveryReport& report) { delivered.set_value(report); }));
    const DeliveryReport report = delivered.get_future().get();
    ASSERT_FALSE(report.error) << report.error.ToString();
    EXPECT_EQ(report.topic, kLifecycle);
    EXPECT_GE(report.offset, 0);

    const auto records = cluster_.ConsumeAll(kLifecycle, 1);
    ASSERT_EQ(records.size(), 1u);
    const auto& record = records[0];
    EXPECT_EQ(record.partition, report.partition);
    EXPECT_EQ(record.offset, report.offset);
    EXPECT_EQ(record.key, "job-17");
    EXPECT_EQ(record.Header("event_type"), "job.submitted");
    EXPECT_EQ(record.Header("schema_version"), "1");
    EXPECT_EQ(record.Header("correlation_id"), "corr-17");
    EXPECT_EQ(record.Header("content-type"), "application/json");
    EXPECT_EQ(record.Header("x-tenant"), "blue");
    ASSERT_TRUE(record.Header("traceparent"));
    EXPECT_TRUE(telemetry::ParseTraceparent(*record.Header("traceparent"))) << *record.Header("traceparent");

    schema::Parser parser;
    schema::Event parsed;
    const auto violation = parser.Parse(schema::TopicId::kJobLifecycle, record.value, parsed);
    ASSERT_FALSE(violation) << violation->ToString();
    EXPECT_EQ(parsed.event_id, event.event_id);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_events_produced_total", {{"topic", "job-lifecycle"}}), 1);
}

TEST_F(ProducerIntegrationTest, GivenTraceparentIsPropagated) {
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    const std::string parent = telemetry::NewTrace().ToTraceparent();
    ASSERT_FALSE(producer.Publish(LifecycleEvent("job-1", "c"), PublishOptions{parent, {}}));
    EXPECT_EQ(producer.Flush(10s), 0u);
    const auto records = cluster_.ConsumeAll(kLifecycle, 1);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].Header("traceparent"), parent);
}

TEST_F(ProducerIntegrationTest, SameKeyLandsOnOnePartitionInOrder) {
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    constexpr int kKeys = 8;
    constexpr int kPerKey = 25;
    for (int i = 0; i < kPerKey; ++i) {
        for (int k = 0; k < kKeys; ++k) {
            ASSERT_FALSE(producer.Publish(LifecycleEvent("job-" + std::to_string(k), std::to_string(i))));
        }
    }
    ASSERT_EQ(producer.Flush(10s), 0u);
    const auto records = cluster_.ConsumeAll(kLifecycle, kKeys * kPerKey);
    ASSERT_EQ(records.size(), static_cast<std::size_t>(kKeys * kPerKey));
    std::map<std::string, std::set<std::int32_t>> partitions;
    std::map<std::string, std::vector<int>> sequence;
    for (const auto& record : records) {
        partitions[*record.key].insert(record.partition);
        sequence[*record.key].push_back(std::stoi(*record.Header("correlation_id")));
    }
    std::set<std::int32_t> used;
    for (const auto& [key, seen] : partitions) {
        EXPECT_EQ(seen.size(), 1u) << key;
        used.insert(*seen.begin());
    }
    EXPECT_GT(used.size(), 1u) << "keys should spread over partitions";
    for (const auto& [key, seq] : sequence) {
        ASSERT_EQ(seq.size(), static_cast<std::size_t>(kPerKey));
        for (int i = 0; i < kPerKey; ++i) {
            EXPECT_EQ(seq[static_cast<std::size_t>(i)], i) << key;
        }
    }
}

TEST_F(ProducerIntegrationTest, RetriableProduceErrorsStillDeliverEachRecordExactlyOnce) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    // Warm up so the producer has its id and leaders before the faults start.
    ASSERT_FALSE(producer.Publish(LifecycleEvent("job-warm", "warm")));
    ASSERT_EQ(producer.Flush(10s), 0u);
    cluster_.PushRequestErrors(ApiKey::kProduce,
                               {RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND,
                                RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE, RD_KAFKA_RESP_ERR__TRANSPORT});
    constexpr int kRecords = 200;
    std::atomic<int> failed{0};
    for (int i = 0; i < kRecords; ++i) {
        ASSERT_FALSE(producer.Publish(LifecycleEvent("job-" + std::to_string(i % 13), Marker(i)), {},
                                      [&](const DeliveryReport& r) { failed += r.error ? 1 : 0; }));
    }
    ASSERT_EQ(producer.Flush(30s), 0u);
    EXPECT_EQ(failed.load(), 0);
    EXPECT_FALSE(producer.Fatal());

    const auto records = cluster_.ConsumeToEnd(kLifecycle);
    std::map<std::string, int> copies;
    for (const auto& record : records) {
        ++copies[*record.Header("correlation_id")];
    }
    EXPECT_EQ(copies.size(), static_cast<std::size_t>(kRecords + 1));
    for (const auto& [marker, count] : copies) {
        EXPECT_EQ(count, 1) << marker << " was written " << count << " times";
    }
}

TEST_F(ProducerIntegrationTest, RetryAfterALostAcknowledgementDoesNotDuplicate) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    // The broker appends the batch but its response comes after the client's request timeout:
    // the client must resend, and only the idempotent sequence numbers keep the log clean.
    cluster_.SetPartitionLeader(kLifecycle, 0, 1);
    auto config = cluster_.ClientConfig();
    config.properties["request.timeout.ms"] = "300";
    Producer producer(config, {}, registry_);
    OutgoingMessage warm{kLifecycle, 0, "k", "warm", {}};
    ASSERT_FALSE(producer.Send(warm));
    ASSERT_EQ(producer.Flush(10s), 0u);
    ASSERT_EQ(rd_kafka_mock_broker_push_request_error_rtts(cluster_.Mock().Native(), 1,
                                                           static_cast<std::int16_t>(ApiKey::kProduce), 1,
                                                           RD_KAFKA_RESP_ERR_NO_ERROR, 1500),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    constexpr int kRecords = 20;
    std::atomic<int> failed{0};
    for (int i = 0; i < kRecords; ++i) {
        const std::string value = Marker(i);
        ASSERT_FALSE(producer.Send(OutgoingMessage{kLifecycle, 0, "k", value, {}},
                                   [&](const DeliveryReport& r) { failed += r.error ? 1 : 0; }));
    }
    ASSERT_EQ(producer.Flush(30s), 0u);
    EXPECT_EQ(failed.load(), 0);
    const auto records = cluster_.ConsumeToEnd(kLifecycle);
    std::map<std::string, int> copies;
    for (const auto& record : records) {
        ++copies[record.value];
    }
    EXPECT_EQ(copies.size(), static_cast<std::size_t>(kRecords + 1));
    for (const auto& [value, count] : copies) {
        EXPECT_EQ(count, 1) << value << " was written " << count << " times";
    }
}

TEST_F(ProducerIntegrationTest, FlushReportsWhatIsStillUndeliveredWhileBrokersAreDown) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    ASSERT_FALSE(producer.Publish(LifecycleEvent("job-warm", "warm")));
    ASSERT_EQ(producer.Flush(10s), 0u);
    for (int broker = 1; broker <= 3; ++broker) cluster_.SetBrokerDown(broker);
    for (int i = 0; i < 5; ++i) {
        ASSERT_FALSE(producer.Publish(LifecycleEvent("job-" + std::to_string(i), Marker(i))));
    }
    EXPECT_EQ(producer.Flush(200ms), 5u);
    for (int broker = 1; broker <= 3; ++broker) cluster_.SetBrokerUp(broker);
    EXPECT_EQ(producer.Flush(30s), 0u);
    EXPECT_EQ(cluster_.ConsumeAll(kLifecycle, 6).size(), 6u);
}

}  // namespace
}  // namespace cosmic::kafka::test
