// The shared heartbeat component against the mock cluster: what lands on system-health, the
// period, the final heartbeat on stop, and failure counting.

#include "cosmic/kafka/heartbeat.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <stdexcept>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::kafka {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::milliseconds;

constexpr std::string_view kHealthTopic = "system-health";

class HeartbeatTest : public testing::EmbeddedClusterTest {
  protected:
    /// Heartbeats of `component_id` on system-health, parsed; waits until `count` arrived.
    std::vector<schema::Event> ReadHeartbeats(std::string_view component_id, std::size_t count) {
        std::vector<schema::Event> out;
        WaitUntil([&] {
            out.clear();
            for (const testing::ConsumedRecord& record : cluster_.ConsumeToEnd(kHealthTopic)) {
                schema::Event event;
                const auto violation = parser_.Parse(schema::TopicId::kSystemHealth, record.value, event);
                EXPECT_FALSE(violation) << violation->ToString();
                EXPECT_EQ(record.key, event.component_id);
                if (event.component_id == component_id) out.push_back(std::move(event));
            }
            return out.size() >= count;
        });
        return out;
    }

    static HeartbeatOptions Options(std::string component_id, milliseconds interval) {
        HeartbeatOptions options;
        options.source = "test-service";
        options.component_id = std::move(component_id);
        options.interval = interval;
        return options;
    }

    std::shared_ptr<prometheus::Registry> registry_ = std::make_shared<prometheus::Registry>();
    schema::Parser parser_;
};

TEST_F(HeartbeatTest, PublishesTheCollectedSnapshotPeriodicallyKeyedByComponent) {
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    std::atomic<int> collected{0};
    Heartbeat heartbeat(producer, Options("hb-periodic", milliseconds(20)), [&] {
        const int n = ++collected;
        return HeartbeatSnapshot{n == 1 ? schema::HealthStatus::kDegraded : schema::HealthStatus::kHealthy,
                                 R"({"n":)" + std::to_string(n) + "}"};
    });
    heartbeat.Start();
    const std::vector<schema::Event> events = ReadHeartbeats("hb-periodic", 3);
    heartbeat.Stop();
    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events[0].event_type, "health.heartbeat");
    EXPECT_EQ(events[0].source, "test-service");
    EXPECT_EQ(events[0].status, schema::HealthStatus::kDegraded);
    EXPECT_EQ(events[0].metrics, R"({"n":1})");
    EXPECT_EQ(events[1].status, schema::HealthStatus::kHealthy);
    EXPECT_EQ(events[1].metrics, R"({"n":2})");
    producer.Flush(milliseconds(10'000));
    EXPECT_GE(heartbeat.Counts().published, 3u);
    EXPECT_EQ(heartbeat.Counts().failed, 0u);
}

TEST_F(HeartbeatTest, FinalHeartbeatOnStopCarriesTheLastNumbers) {
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    HeartbeatOptions options = Options("hb-final", milliseconds(0));  // no periodic heartbeat
    options.final_on_stop = true;
    Heartbeat heartbeat(producer, options, [] {
        return HeartbeatSnapshot{schema::HealthStatus::kUnhealthy, R"({"stopping":true})"};
    });
    heartbeat.Start();
    heartbeat.Stop();
    heartbeat.Stop();  // idempotent: still one final heartbeat
    producer.Flush(milliseconds(10'000));
    const std::vector<schema::Event> events = ReadHeartbeats("hb-final", 1);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].status, schema::HealthStatus::kUnhealthy);
    EXPECT_EQ(events[0].metrics, R"({"stopping":true})");
    EXPECT_EQ(heartbeat.Counts().published, 1u);
}

TEST_F(HeartbeatTest, CountsACollectFailureAndAProducerThatRefuses) {
    Producer producer(cluster_.ClientConfig(), {}, registry_);
    bool fail = true;
    Heartbeat heartbeat(
        producer, Options("hb-fail", milliseconds(0)),
        [&] {
            if (fail) throw std::runtime_error("store unavailable");
            return HeartbeatSnapshot{};
        },
        registry_);
    EXPECT_FALSE(heartbeat.PublishNow());
    EXPECT_EQ(heartbeat.Counts().failed, 1u);

    fail = false;
    producer.Close(milliseconds(1000));  // later publishes fail with _DESTROY
    EXPECT_FALSE(heartbeat.PublishNow());
    EXPECT_EQ(heartbeat.Counts().failed, 2u);
    EXPECT_EQ(heartbeat.Counts().published, 0u);

    const auto families = registry_->Collect();
    double failed_metric = -1;
    for (const auto& family : families) {
        if (family.name != "cosmic_heartbeats_total") continue;
        for (const auto& metric : family.metric) {
            if (metric.label.size() == 1 && metric.label[0].value == "failed") failed_metric = metric.counter.value;
        }
    }
    EXPECT_EQ(failed_metric, 2);
}

TEST_F(HeartbeatTest, UndeliverableHeartbeatCountsAsFailed) {
    ProducerOptions producer_options;
    producer_options.delivery_timeout = milliseconds(300);
    ClientConfig client = cluster_.ClientConfig();
    client.properties["bootstrap.servers"] = "127.0.0.1:1";  // nothing listens there
    Producer producer(client, producer_options, nullptr);
    Heartbeat heartbeat(producer, Options("hb-undeliverable", milliseconds(0)), [] { return HeartbeatSnapshot{}; });
    EXPECT_TRUE(heartbeat.PublishNow());  // queued
    EXPECT_TRUE(WaitUntil([&] { return heartbeat.Counts().failed == 1; }));
    EXPECT_EQ(heartbeat.Counts().published, 0u);
}

}  // namespace
}  // namespace cosmic::kafka
