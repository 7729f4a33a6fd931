#include "cosmic/job_orchestrator/heartbeat.hpp"

#include <gtest/gtest.h>

#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::orchestrator {
namespace {

HeartbeatNumbers Healthy() {
    HeartbeatNumbers numbers;
    numbers.now_ms = 100'000;
    numbers.outbox.pending = 10;
    numbers.outbox.oldest_pending_ms = 99'000;
    numbers.jobs[static_cast<std::size_t>(JobState::kRunning)] = 3;
    return numbers;
}

TEST(HeartbeatTest, StatusFollowsBacklogAndAge) {
    const HeartbeatThresholds thresholds{100, std::chrono::milliseconds(5'000)};
    EXPECT_EQ(HeartbeatStatus(Healthy(), thresholds), schema::HealthStatus::kHealthy);
    HeartbeatNumbers backlog = Healthy();
    backlog.outbox.pending = 100;
    EXPECT_EQ(HeartbeatStatus(backlog, thresholds), schema::HealthStatus::kDegraded);
    HeartbeatNumbers old = Healthy();
    old.outbox.oldest_pending_ms = 95'000;
    EXPECT_EQ(HeartbeatStatus(old, thresholds), schema::HealthStatus::kDegraded);
    HeartbeatNumbers empty = Healthy();
    empty.outbox = {};
    EXPECT_EQ(OldestPendingAgeMs(empty), 0);
    EXPECT_EQ(HeartbeatStatus(empty, thresholds), schema::HealthStatus::kHealthy);
}

TEST(HeartbeatTest, EventIsAValidHeartbeatWithTheNumbers) {
    kafka::HeartbeatSnapshot snapshot;
    snapshot.metrics.clear();
    schema::JsonWriter writer(snapshot.metrics);
    writer.BeginObject();
    snapshot.status = WriteHeartbeatFields(Healthy(), HeartbeatThresholds{}, writer);
    writer.EndObject();
    const schema::Event event = kafka::MakeHeartbeatEvent("job-orchestrator", "orch-1", snapshot);
    const std::string wire = schema::Serialize(event);
    schema::Parser parser;
    schema::Event parsed;
    ASSERT_FALSE(parser.Parse(schema::TopicId::kSystemHealth, wire, parsed));
    EXPECT_EQ(parsed.event_type, "health.heartbeat");
    EXPECT_EQ(parsed.component_id, "orch-1");
    EXPECT_EQ(parsed.status, schema::HealthStatus::kHealthy);
    EXPECT_NE(parsed.metrics.find(R"("outbox_backlog":10)"), std::string::npos) << parsed.metrics;
    EXPECT_NE(parsed.metrics.find(R"("outbox_oldest_age_ms":1000)"), std::string::npos);
    EXPECT_NE(parsed.metrics.find(R"("jobs_running":3)"), std::string::npos);
}

}  // namespace
}  // namespace cosmic::orchestrator
