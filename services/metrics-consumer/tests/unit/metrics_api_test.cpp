#include "cosmic/metrics_consumer/metrics_api.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

#include "cosmic/kafka/heartbeat.hpp"
#include "cosmic/metrics_consumer/heartbeat.hpp"
#include "cosmic/metrics_consumer/job_json.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"
#include "test_support.hpp"

namespace cosmic::metrics {
namespace {

using testing::MetricsEvent;

const service::Principal kAlice{"alice", {service::Role::kUser}};
const service::Principal kBob{"bob", {service::Role::kUser}};
const service::Principal kAdmin{"root", {service::Role::kAdmin}};

telemetry::HttpRequest JobRequest(const std::string& id) {
    telemetry::HttpRequest request;
    request.method = "GET";
    request.path = "/api/v1/metrics/jobs/" + id;
    request.path_params.emplace_back("id", id);
    return request;
}

telemetry::HttpRequest SummaryRequest(const std::string& query) {
    telemetry::HttpRequest request;
    request.method = "GET";
    request.path = "/api/v1/metrics/summary";
    request.query = query;
    return request;
}

class MetricsApiTest : public ::testing::Test {
  protected:
    MetricsApiTest()
        : api_(
              aggregator_, rate_, [this] { return lag_; }, ApiOptions{10, 100, 3600, "metrics-consumer-group"}) {
        aggregator_.Add(MetricsEvent("job-a", "e1", "alice", 10, 100, 1000), 1000);
        aggregator_.Add(MetricsEvent("job-a", "e2", "alice", 30, 300, 3000), 2000);
        aggregator_.Add(MetricsEvent("job-b", "e3", "bob", 90, 50, 500), 3000);
    }

    JobAggregator aggregator_;
    RateMeter rate_;
    kafka::LagSnapshot lag_;
    MetricsApi api_;
    simdjson::dom::parser parser_;
};

TEST_F(MetricsApiTest, JobBodyCarriesEveryAggregate) {
    const auto response = api_.GetJob(JobRequest("job-a"), kAlice);
    ASSERT_EQ(response.status, 200) << response.body;
    EXPECT_EQ(response.content_type, "application/json");
    simdjson::dom::element job = parser_.parse(response.body);
    EXPECT_EQ(std::string_view(job["job_id"]), "job-a");
    EXPECT_EQ(std::string_view(job["user_id"]), "alice");
    EXPECT_EQ(std::uint64_t(job["samples"]), 2u);
    EXPECT_EQ(std::string_view(job["first_seen"]), "2023-11-14T22:13:20.000Z");
    EXPECT_EQ(std::string_view(job["updated_at"]), "1970-01-01T00:00:02.000Z");
    EXPECT_DOUBLE_EQ(double(job["cpu_percent"]["min"]), 10);
    EXPECT_DOUBLE_EQ(double(job["cpu_percent"]["max"]), 30);
    EXPECT_DOUBLE_EQ(double(job["cpu_percent"]["avg"]), 20);
    EXPECT_DOUBLE_EQ(double(job["cpu_percent"]["last"]), 30);
    EXPECT_DOUBLE_EQ(double(job["memory_mb"]["avg"]), 200);
    EXPECT_DOUBLE_EQ(double(job["io_read_mb"]["max"]), 1);
    EXPECT_DOUBLE_EQ(double(job["io_write_mb"]["last"]), 2);
    EXPECT_DOUBLE_EQ(double(job["execution_time_ms"]["avg"]), 2000);
    EXPECT_NEAR(double(job["execution_time_ms"]["p99"]), 3000, 3000 * kRelativeAccuracy);
    EXPECT_NEAR(double(job["execution_time_ms"]["p50"]), 1000, 1000 * kRelativeAccuracy);
    EXPECT_DOUBLE_EQ(double(job["execution_time_ms"]["relative_error"]), kRelativeAccuracy);
}

TEST_F(MetricsApiTest, UnknownAndForeignJobsAreNotFound) {
    EXPECT_EQ(api_.GetJob(JobRequest("nope"), kAlice).status, 404);
    const auto foreign = api_.GetJob(JobRequest("job-b"), kAlice);
    EXPECT_EQ(foreign.status, 404);
    EXPECT_NE(foreign.body.find(R"("code":"not_found")"), std::string::npos);
    EXPECT_EQ(api_.GetJob(JobRequest("job-b"), kBob).status, 200);
    EXPECT_EQ(api_.GetJob(JobRequest("job-b"), kAdmin).status, 200);
}

TEST_F(MetricsApiTest, SummaryRanksAllJobsForAdmins) {
    const auto response = api_.GetSummary(SummaryRequest("by=memory&top=5"), kAdmin);
    ASSERT_EQ(response.status, 200) << response.body;
    simdjson::dom::element summary = parser_.parse(response.body);
    EXPECT_EQ(std::uint64_t(summary["jobs_tracked"]), 2u);
    EXPECT_EQ(std::uint64_t(summary["max_jobs"]), 100'000u);
    EXPECT_EQ(std::uint64_t(summary["samples_total"]), 3u);
    EXPECT_EQ(std::int64_t(summary["ttl_seconds"]), 3600);
    EXPECT_EQ(std::string_view(summary["top_by"]), "memory");
    EXPECT_EQ(std::string_view(summary["top_scope"]), "all");
    simdjson::dom::array top = summary["top"];
    ASSERT_EQ(top.size(), 2u);
    EXPECT_EQ(std::string_view(top.at(0)["job_id"]), "job-a");  // peak 300 MB
    EXPECT_DOUBLE_EQ(double(top.at(0)["memory_mb_max"]), 300);
}

TEST_F(MetricsApiTest, SummaryTopListsOnlyTheCallersJobs) {
    const auto response = api_.GetSummary(SummaryRequest(""), kBob);
    ASSERT_EQ(response.status, 200);
    simdjson::dom::element summary = parser_.parse(response.body);
    EXPECT_EQ(std::string_view(summary["top_scope"]), "user");
    simdjson::dom::array top = summary["top"];
    ASSERT_EQ(top.size(), 1u);
    EXPECT_EQ(std::string_view(top.at(0)["job_id"]), "job-b");
}

TEST_F(MetricsApiTest, SummaryRejectsBadParametersNamingThem) {
    for (const char* query : {"by=disk", "top=abc", "top=101", "top=-1"}) {
        const auto response = api_.GetSummary(SummaryRequest(query), kAdmin);
        EXPECT_EQ(response.status, 400) << query;
        const std::string field = std::string(query).substr(0, std::string(query).find('='));
        EXPECT_NE(response.body.find("\"" + field + ":"), std::string::npos) << response.body;
    }
}

TEST_F(MetricsApiTest, LagListsPartitionsAndTotal) {
    lag_.known = true;
    lag_.total = 7;
    lag_.partitions = {{"job-metrics", 0, 3}, {"job-metrics", 4, 4}};
    const auto response = api_.GetLag(telemetry::HttpRequest{}, kAlice);
    ASSERT_EQ(response.status, 200);
    simdjson::dom::element lag = parser_.parse(response.body);
    EXPECT_EQ(std::string_view(lag["group"]), "metrics-consumer-group");
    EXPECT_TRUE(bool(lag["known"]));
    EXPECT_EQ(std::int64_t(lag["total"]), 7);
    simdjson::dom::array partitions = lag["partitions"];
    ASSERT_EQ(partitions.size(), 2u);
    EXPECT_EQ(std::int64_t(partitions.at(1)["partition"]), 4);
    EXPECT_EQ(std::int64_t(partitions.at(1)["lag"]), 4);
}

kafka::HeartbeatSnapshot Snapshot(const HeartbeatNumbers& numbers, std::int64_t degraded_lag) {
    kafka::HeartbeatSnapshot snapshot;
    snapshot.metrics.clear();
    schema::JsonWriter writer(snapshot.metrics);
    writer.BeginObject();
    snapshot.status = WriteHeartbeatFields(numbers, degraded_lag, writer);
    writer.EndObject();
    return snapshot;
}

TEST(HeartbeatTest, CarriesRatesAndTurnsDegradedAtTheLagLimit) {
    HeartbeatNumbers numbers;
    numbers.lag_known = true;
    numbers.consumer_lag = 42;
    numbers.samples_per_second = 1500.5;
    numbers.jobs_tracked = 3;
    const schema::Event event = kafka::MakeHeartbeatEvent("metrics-consumer", "mc-1", Snapshot(numbers, 100));
    EXPECT_EQ(event.topic, schema::TopicId::kSystemHealth);
    EXPECT_EQ(event.event_type, "health.heartbeat");
    EXPECT_EQ(event.component_id, "mc-1");
    EXPECT_EQ(event.status, schema::HealthStatus::kHealthy);
    simdjson::dom::parser parser;
    simdjson::dom::element metrics = parser.parse(event.metrics);
    EXPECT_DOUBLE_EQ(double(metrics["samples_per_second"]), 1500.5);
    EXPECT_EQ(std::uint64_t(metrics["jobs_tracked"]), 3u);

    numbers.consumer_lag = 100;
    EXPECT_EQ(HeartbeatStatus(numbers, 100), schema::HealthStatus::kDegraded);
    numbers.lag_known = false;
    EXPECT_EQ(HeartbeatStatus(numbers, 100), schema::HealthStatus::kHealthy);
}

TEST(HeartbeatTest, RoundTripsThroughTheWireFormat) {
    HeartbeatNumbers numbers;
    const schema::Event event = kafka::MakeHeartbeatEvent("metrics-consumer", "mc-1", Snapshot(numbers, 100));
    schema::Parser parser;
    schema::Event parsed;
    const auto violation = parser.Parse(schema::TopicId::kSystemHealth, schema::Serialize(event), parsed);
    EXPECT_FALSE(violation.has_value()) << violation->ToString();
    EXPECT_EQ(parsed.component_id, "mc-1");
}

TEST(RateMeterTest, RateSpansTheWindow) {
    RateMeter meter(std::chrono::milliseconds(10'000));
    EXPECT_EQ(meter.PerSecond(), 0);
    meter.Record(0, 0);
    meter.Record(1000, 500);
    EXPECT_DOUBLE_EQ(meter.PerSecond(), 500);
    for (int s = 2; s <= 30; ++s) meter.Record(s * 1000, 500 + (s - 1) * 100);
    EXPECT_DOUBLE_EQ(meter.PerSecond(), 100);  // the early burst has left the window
}

}  // namespace
}  // namespace cosmic::metrics
