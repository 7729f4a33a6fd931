// The whole service on the embedded cluster: samples produced to job-metrics come out of the
// HTTP API and the WebSocket; invalid ones land on job-metrics.dlq; heartbeats reach
// system-health.

#include "cosmic/metrics_consumer/metrics_service.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/service/config.hpp"
#include "cosmic/service/kit.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "cosmic/testing/wait.hpp"
#include "cosmic/testing/websocket_client.hpp"

namespace cosmic::metrics {
namespace {

using cosmic::testing::WaitUntil;
using kafka::testing::EmbeddedCluster;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr std::string_view kTopic = "job-metrics";

/// A job.metrics envelope as raw JSON, the way an outside producer (kcat) would send it; the
/// measures are JSON text so a test can put anything there.
std::string RawSample(const std::string& job, const std::string& user, const std::string& cpu,
                      const std::string& memory, std::int64_t execution_ms, std::string event_id = {},
                      const std::string& job_field = "job_id") {
    if (event_id.empty()) event_id = schema::NewUuid();
    const std::string now = schema::FormatTimestamp(schema::NowEpochMs());
    return R"({"event_id":")" + event_id + R"(","event_type":"job.metrics","schema_version":1,"occurred_at":")" + now +
           R"(","source":"test","correlation_id":"c-1","user_id":")" + user + R"(",")" + job_field + R"(":")" + job +
           R"(","payload":{"cpu_percent":)" + cpu + R"(,"memory_mb":)" + memory +
           R"(,"io_read_mb":1,"io_write_mb":2,"execution_time_ms":)" + std::to_string(execution_ms) +
           R"(,"sampled_at":")" + now + R"("}})";
}

std::string SampleJson(const std::string& job, const std::string& user, double cpu, double memory,
                       std::int64_t execution_ms, std::string event_id = {}) {
    return RawSample(job, user, std::to_string(cpu), std::to_string(memory), execution_ms, std::move(event_id));
}

class MetricsServiceTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/metrics-consumer-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        const std::string tokens = (dir_ / "tokens.json").string();
        std::ofstream(tokens) << R"({"tokens":[)"
                              << R"({"sha256":")" << service::Authenticator::HashHex("alice-token")
                              << R"(","user_id":"alice","roles":["user"]},)"
                              << R"({"sha256":")" << service::Authenticator::HashHex("admin-token")
                              << R"(","user_id":"root","roles":["admin"]}]})";

        service::Environment env;
        for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(cluster_.ClientConfig().properties))
            env[name] = value;
        env["COSMIC_HTTP_PORT"] = "0";
        env["COSMIC_HTTP_BIND"] = "127.0.0.1";
        env["COSMIC_TOKENS_FILE"] = tokens;
        env["COSMIC_INSTANCE_ID"] = "metrics-test-1";
        env["COSMIC_DATA_DIR"] = dir_.string();
        env["COSMIC_WS_THROTTLE_MS"] = "100";
        env["COSMIC_HEARTBEAT_INTERVAL_MS"] = "300";
        env["COSMIC_LOG_LEVEL"] = "warn";

        host_ = std::make_unique<service::ServiceHost<MetricsService>>("metrics-consumer", env);
        runtime_ = &host_->GetRuntime();
        service_ = &host_->Service();
        runner_ = std::thread([this] { exit_code_ = runtime_->Run(); });
        ASSERT_TRUE(runtime_->WaitUntilRunning(std::chrono::steady_clock::now() + seconds(30)));
        port_ = runtime_->HttpPort();
        // Ready = the consumer has its partitions, so nothing produced from here on is missed.
        ASSERT_TRUE(WaitUntil([this] { return Get("/readyz").status == 200; }, seconds(60)));
    }

    void TearDown() override {
        if (runtime_) {
            runtime_->RequestStop();
            if (runner_.joinable()) runner_.join();
            EXPECT_EQ(exit_code_, service::kExitOk);
        }
        service_ = nullptr;
        runtime_ = nullptr;
        host_.reset();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }

    void Produce(const std::string& job, const std::string& value) { cluster_.Produce(kTopic, job, value); }

    cosmic::testing::HttpResponse Get(const std::string& path, const std::string& token = "") const {
        return cosmic::testing::HttpClient(port_).Get(path, token);
    }

    /// Polls GET jobs/{id} until the job has `samples` samples; returns the last body.
    std::string WaitForSamples(const std::string& job, std::uint64_t samples) {
        std::string body;
        WaitUntil([&] {
            const auto result = Get("/api/v1/metrics/jobs/" + job, "admin-token");
            if (result.status != 200) return false;
            body = result.body;
            simdjson::dom::parser parser;
            std::uint64_t got = 0;
            return parser.parse(body)["samples"].get(got) == simdjson::SUCCESS && got == samples;
        });
        return body;
    }

    std::filesystem::path dir_;
    std::unique_ptr<service::ServiceHost<MetricsService>> host_;
    service::Runtime* runtime_ = nullptr;
    MetricsService* service_ = nullptr;
    std::thread runner_;
    int exit_code_ = -1;
    int port_ = 0;
};

TEST_F(MetricsServiceTest, SamplesProducedToKafkaAreServedOverHttp) {
    Produce("job-http", SampleJson("job-http", "alice", 10, 100, 1000));
    Produce("job-http", SampleJson("job-http", "alice", 20, 300, 2000));
    Produce("job-http", SampleJson("job-http", "alice", 30, 200, 3000));

    const std::string body = WaitForSamples("job-http", 3);
    simdjson::dom::parser parser;
    simdjson::dom::element job = parser.parse(body);
    EXPECT_DOUBLE_EQ(double(job["cpu_percent"]["avg"]), 20);
    EXPECT_DOUBLE_EQ(double(job["memory_mb"]["max"]), 300);
    EXPECT_DOUBLE_EQ(double(job["memory_mb"]["last"]), 200);
    EXPECT_EQ(std::string_view(job["user_id"]), "alice");

    // The owner sees it; no token is 401; the summary counts it.
    EXPECT_EQ(Get("/api/v1/metrics/jobs/job-http", "alice-token").status, 200);
    EXPECT_EQ(Get("/api/v1/metrics/jobs/job-http").status, 401);
    const auto summary = Get("/api/v1/metrics/summary?by=cpu&top=5", "admin-token");
    ASSERT_EQ(summary.status, 200) << summary.body;
    simdjson::dom::element totals = parser.parse(summary.body);
    EXPECT_EQ(std::uint64_t(totals["jobs_tracked"]), 1u);
    EXPECT_EQ(std::uint64_t(totals["samples_total"]), 3u);
    EXPECT_EQ(std::string_view(totals["top"].at(0)["job_id"]), "job-http");
    EXPECT_EQ(Get("/api/v1/metrics/summary?by=disk", "admin-token").status, 400);

    const auto lag = Get("/api/v1/metrics/lag", "alice-token");
    ASSERT_EQ(lag.status, 200);
    EXPECT_NE(lag.body.find(R"("group":"metrics-consumer-group")"), std::string::npos);

    const auto metrics = Get("/metrics");
    EXPECT_NE(metrics.body.find("cosmic_metrics_jobs_evicted_total"), std::string::npos);
    EXPECT_NE(metrics.body.find("cosmic_events_consumed_total"), std::string::npos);
}

TEST_F(MetricsServiceTest, WebSocketSubscriberReceivesUpdates) {
    cosmic::testing::WebSocketClient client(port_, "/ws/metrics?token=alice-token");
    ASSERT_EQ(client.Status(), 101);
    ASSERT_TRUE(client.SendText(R"({"subscribe":"job-ws"})"));
    EXPECT_EQ(client.ReadText(seconds(10)).value_or("<none>"), R"({"type":"subscribed","subscribe":"job-ws"})");

    Produce("job-ws", SampleJson("job-ws", "alice", 55, 512, 1500));
    const auto update = client.ReadText(seconds(30));
    ASSERT_TRUE(update.has_value());
    simdjson::dom::parser parser;
    simdjson::dom::element message = parser.parse(*update);
    EXPECT_EQ(std::string_view(message["type"]), "job_metrics");
    EXPECT_EQ(std::string_view(message["job"]["job_id"]), "job-ws");
    EXPECT_DOUBLE_EQ(double(message["job"]["cpu_percent"]["last"]), 55);

    cosmic::testing::WebSocketClient stranger(port_, "/ws/metrics?token=nobody");
    EXPECT_NE(stranger.Status(), 101);
}

TEST_F(MetricsServiceTest, InvalidSamplesAreDeadLetteredAndNeverAggregated) {
    Produce("job-bad", SampleJson("job-bad", "alice", 10, 100, 1000));
    const std::string negative = RawSample("job-bad", "alice", "-5", "100", 1000);
    Produce("job-bad", negative);
    Produce("job-bad", RawSample("job-bad", "alice", "10", R"("lots")", 1000));
    Produce("job-bad", RawSample("job-bad", "alice", "10", "100", 1000, {}, "job_ix"));
    Produce("job-bad", R"({"event_id": not json)");
    Produce("job-bad", SampleJson("job-bad", "alice", 30, 100, 3000));

    const auto dead = cluster_.ConsumeAll("job-metrics.dlq", 4);
    ASSERT_EQ(dead.size(), 4u);
    EXPECT_NE(dead[0].Header("dlq.error.message").value_or("").find("cpu_percent"), std::string::npos);
    EXPECT_NE(dead[1].Header("dlq.error.message").value_or("").find("memory_mb"), std::string::npos);
    EXPECT_NE(dead[2].Header("dlq.error.message").value_or("").find("job_id"), std::string::npos);
    EXPECT_EQ(dead[0].value, negative);  // byte for byte
    EXPECT_EQ(dead[0].Header("dlq.original.topic").value_or(""), "job-metrics");

    const std::string body = WaitForSamples("job-bad", 2);
    simdjson::dom::parser parser;
    simdjson::dom::element job = parser.parse(body);
    EXPECT_DOUBLE_EQ(double(job["cpu_percent"]["min"]), 10);
    EXPECT_DOUBLE_EQ(double(job["memory_mb"]["max"]), 100);
}

TEST_F(MetricsServiceTest, HugeIdentifiersAndExtremeNumbersAreDeadLetteredNotTracked) {
    // 900 KB job ids once took the service from 29 to 102 MB despite its job cap: the schema
    // bounds identifiers (256 bytes), so such records never reach the aggregator.
    constexpr int kHuge = 20;
    for (int i = 0; i < kHuge; ++i) {
        const std::string job(900'000, static_cast<char>('a' + i));
        Produce("huge-" + std::to_string(i), SampleJson(job, "alice", 10, 100, 1000));
    }
    // Finite numbers that add up to infinity, and an execution time past what a double keeps.
    Produce("job-range", RawSample("job-range", "alice", "1.7e308", "100", 1000));
    Produce("job-range", RawSample("job-range", "alice", "10", "100", INT64_MAX));
    Produce("job-range", SampleJson("job-range", "alice", 10, 100, 1000));

    const auto dead = cluster_.ConsumeAll("job-metrics.dlq", kHuge + 2);
    ASSERT_EQ(dead.size(), static_cast<std::size_t>(kHuge + 2));
    std::map<std::string, int> reasons;  // partitions interleave, so by count, not position
    for (const auto& record : dead) ++reasons[record.Header("dlq.error.message").value_or("")];
    EXPECT_EQ(reasons, (std::map<std::string, int>{{"job_id: longer than 256 bytes", kHuge},
                                                   {"payload.cpu_percent: out of range", 1},
                                                   {"payload.execution_time_ms: out of range", 1}}));

    WaitForSamples("job-range", 1);
    const auto summary = Get("/api/v1/metrics/summary", "admin-token");
    ASSERT_EQ(summary.status, 200) << summary.Describe();
    simdjson::dom::parser parser;
    EXPECT_EQ(std::uint64_t(parser.parse(summary.body)["jobs_tracked"]), 1u) << summary.body;
}

TEST_F(MetricsServiceTest, RedeliveredSampleIsCountedOnce) {
    const std::string sample = SampleJson("job-dup", "alice", 40, 100, 1000, "7d9f2c1e-0000-4000-8000-000000000001");
    Produce("job-dup", sample);
    Produce("job-dup", sample);  // a producer retry or a replay
    Produce("job-dup", SampleJson("job-dup", "alice", 60, 100, 2000));
    // Same key, same partition: once the third is in, the duplicate before it was handled.
    const std::string body = WaitForSamples("job-dup", 2);
    simdjson::dom::parser parser;
    EXPECT_DOUBLE_EQ(double(parser.parse(body)["cpu_percent"]["avg"]), 50);
    EXPECT_EQ(service_->Aggregator().Totals().duplicates, 1u);
}

TEST_F(MetricsServiceTest, HeartbeatReportsLagAndThroughputToSystemHealth) {
    // Heartbeats sent before the group assignment say DEGRADED; wait for one sent after it.
    std::string heartbeat;
    ASSERT_TRUE(WaitUntil([&] {
        for (const auto& record : cluster_.ConsumeToEnd("system-health")) {
            if (record.value.find(R"("status":"HEALTHY")") != std::string::npos) {
                heartbeat = record.value;
                EXPECT_EQ(record.key.value_or(""), "metrics-test-1");
                EXPECT_EQ(record.Header("event_type").value_or(""), "health.heartbeat");
                return true;
            }
        }
        return false;
    }));
    simdjson::dom::parser parser;
    simdjson::dom::element event = parser.parse(heartbeat);
    EXPECT_EQ(std::string_view(event["component_id"]), "metrics-test-1");
    EXPECT_EQ(std::string_view(event["source"]), "metrics-consumer");
    simdjson::dom::element metrics = event["metrics"];
    EXPECT_TRUE(metrics["processed_per_second"].is_number());
    EXPECT_FALSE(metrics["consumer_lag"].error());
    EXPECT_TRUE(bool(metrics["consumer_ready"]));
}

}  // namespace
}  // namespace cosmic::metrics
