// The whole service in its runtime on the embedded cluster: audit events come out of the API,
// every route needs an auditor, verify and the compliance report work, heartbeats reach
// system-health.

#include "cosmic/audit_consumer/audit_service.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <thread>

#include "audit_fixture.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::audit {
namespace {

using cosmic::testing::WaitUntil;
using kafka::testing::EmbeddedCluster;
using std::chrono::seconds;
using testing::AuditJson;
using testing::kTopic;

class AuditServiceTest : public kafka::testing::EmbeddedClusterTest {
  protected:
    void SetUp() override {
        service::Environment env = testing::ServiceEnv(cluster_, dir_.Path());
        env["COSMIC_AUDIT_PURGE_INTERVAL_MS"] = "1000";
        host_ = std::make_unique<service::ServiceHost<AuditService>>("audit-consumer", env);
        thread_ = std::thread([this] { exit_code_ = host_->GetRuntime().Run(); });
        ASSERT_TRUE(host_->GetRuntime().WaitUntilRunning(std::chrono::steady_clock::now() + seconds(30)));
        ASSERT_TRUE(WaitUntil([this] { return Get("/readyz", "").status == 200; }, seconds(60)));
    }

    void TearDown() override {
        host_->GetRuntime().RequestStop();
        if (thread_.joinable()) thread_.join();
        EXPECT_EQ(exit_code_, service::kExitOk);
        host_.reset();
    }

    cosmic::testing::HttpResponse Get(const std::string& path, const std::string& token = "auditor-token") {
        return cosmic::testing::HttpClient(host_->GetRuntime().HttpPort()).Get(path, token);
    }

    std::size_t EventCount(const std::string& query = "limit=1000") {
        const auto r = Get("/api/v1/audit?" + query);
        if (r.status != 200) return 0;
        simdjson::dom::element doc = json_.parse(r.body);
        return simdjson::dom::array(doc["events"]).size();
    }

    testing::ScratchDir dir_;
    std::unique_ptr<service::ServiceHost<AuditService>> host_;
    std::thread thread_;
    int exit_code_ = -1;
    simdjson::dom::parser json_;
};

TEST_F(AuditServiceTest, ServesWhatItConsumedToAuditorsOnly) {
    for (int i = 0; i < 30; ++i) {
        const std::string job = "job-" + std::to_string(i % 4);
        cluster_.Produce(kTopic, job,
                         AuditJson(job, i % 2 ? "STATE_CHANGE" : "CREATE", "u1", R"({"job_id":")" + job + R"("})"));
    }
    cluster_.Produce(kTopic, std::string("x"), R"({"event_id":"broken")");
    ASSERT_TRUE(WaitUntil([&] { return EventCount() == 31; }, seconds(60))) << EventCount();

    EXPECT_EQ(EventCount("resource_id=job-2"), 7u);
    EXPECT_EQ(EventCount("valid=false"), 1u);
    for (const std::string path : {"/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/compliance-report"}) {
        EXPECT_EQ(Get(path, "").status, 401) << path;
        EXPECT_EQ(Get(path, "user-token").status, 403) << path;
    }

    auto r = Get("/api/v1/audit/verify");
    ASSERT_EQ(r.status, 200);
    simdjson::dom::element doc = json_.parse(r.body);
    EXPECT_TRUE(bool(doc["ok"]));
    EXPECT_EQ(std::int64_t(doc["rows_checked"]), 31);

    r = Get("/api/v1/audit/compliance-report");
    ASSERT_EQ(r.status, 200);
    doc = json_.parse(r.body);
    EXPECT_EQ(std::int64_t(doc["total_events"]), 31);
    EXPECT_EQ(std::int64_t(doc["invalid_events"]), 1);
    EXPECT_EQ(std::int64_t(doc["jobs_covered"]), 4);
    EXPECT_TRUE(bool(doc["retention_compliant"]));
    EXPECT_TRUE(bool(doc["chain_verified"]));

    // Metrics are exported beside the runner's.
    const auto metrics = Get("/metrics", "");
    EXPECT_NE(metrics.body.find("cosmic_audit_rows_total{outcome=\"stored\"} 31"), std::string::npos);
    EXPECT_NE(metrics.body.find("cosmic_audit_chain_verified 1"), std::string::npos);
}

TEST_F(AuditServiceTest, RetentionPurgesExpiredEventsAndTheChainStillVerifies) {
    constexpr std::int64_t kDay = 24LL * 60 * 60 * 1000;
    const std::int64_t now = schema::NowEpochMs();
    // Partition by key: one resource, so the old events precede the fresh ones in one chain.
    for (int i = 0; i < 5; ++i) {
        cluster_.Produce(kTopic, std::string("job-r"),
                         AuditJson("job-r", "ACCESS", "u1", "{}", {}, "job-orchestrator", now - 91 * kDay + i));
    }
    cluster_.Produce(kTopic, std::string("job-r"),
                     AuditJson("job-r", "ACCESS", "u1", "{}", {}, "job-orchestrator", now - 89 * kDay));
    for (int i = 0; i < 4; ++i) cluster_.Produce(kTopic, std::string("job-r"), AuditJson("job-r", "ACCESS", "u1"));

    // The retention timer (1 s here) removes the five 91-day-old events, keeps the 89-day-old one.
    ASSERT_TRUE(WaitUntil(
        [&] {
            const auto r = Get("/api/v1/audit/compliance-report");
            if (r.status != 200) return false;
            simdjson::dom::element doc = json_.parse(r.body);
            return std::int64_t(doc["total_events"]) == 5 && bool(doc["retention_compliant"]);
        },
        seconds(60)));
    const auto r = Get("/api/v1/audit/compliance-report");
    simdjson::dom::element doc = json_.parse(r.body);
    EXPECT_TRUE(bool(doc["chain_verified"])) << r.body;
    EXPECT_EQ(std::string_view(doc["oldest_event"]), schema::FormatTimestamp(now - 89 * kDay));
    EXPECT_NE(Get("/metrics", "").body.find("cosmic_audit_purged_rows_total 5"), std::string::npos);
}

TEST_F(AuditServiceTest, SendsHeartbeatsToSystemHealth) {
    bool seen = false;
    ASSERT_TRUE(WaitUntil(
        [&] {
            for (const auto& record : cluster_.ConsumeToEnd("system-health", seconds(5))) {
                simdjson::dom::element doc;
                if (json_.parse(record.value).get(doc) != simdjson::SUCCESS) continue;
                std::string_view component;
                if (doc["component_id"].get(component) != simdjson::SUCCESS || component != "audit-test-1") continue;
                EXPECT_EQ(std::string_view(doc["event_type"]), "health.heartbeat");
                EXPECT_TRUE(doc["metrics"]["rows_stored"].is_int64());
                // Heartbeats before the group assignment say DEGRADED; once ready, HEALTHY.
                seen = seen || std::string_view(doc["status"]) == "HEALTHY";
            }
            return seen;
        },
        seconds(30)));
}

}  // namespace
}  // namespace cosmic::audit
