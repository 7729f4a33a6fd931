// Hostile clients against every service binary, the way an attacker on the network meets them:
// no or wrong tokens, other users' resources, the wrong role, SQL metacharacters in every filter,
// oversized and mislabelled bodies, WebSockets without a token, request smuggling, and slow
// clients (slowloris) that once starved the health probes. The services run without Kafka
// (kafka.enabled=false): everything here is their HTTP surface.

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/raw_socket.hpp"
#include "cosmic/testing/service_process.hpp"
#include "cosmic/testing/wait.hpp"
#include "cosmic/testing/websocket_client.hpp"

namespace cosmic::fault {
namespace {

using cosmic::testing::ClosedByServer;
using cosmic::testing::HttpCall;
using cosmic::testing::HttpClient;
using cosmic::testing::HttpResponse;
using cosmic::testing::RawSocket;
using cosmic::testing::ServiceProcess;
using cosmic::testing::Trickler;
using cosmic::testing::UrlEncode;
using cosmic::testing::WaitUntil;
using namespace std::chrono_literals;

constexpr const char* kOrchestrator = "job-orchestrator";
constexpr const char* kMetrics = "metrics-consumer";
constexpr const char* kNotification = "notification-consumer";
constexpr const char* kAudit = "audit-consumer";
constexpr const char* kHealth = "health-monitor";

/// The five services, started once for the whole suite.
class Services {
  public:
    Services() {
        const std::vector<std::pair<const char*, const char*>> binaries = {
            {kOrchestrator, COSMIC_FAULT_BIN_JOB_ORCHESTRATOR},
            {kMetrics, COSMIC_FAULT_BIN_METRICS_CONSUMER},
            {kNotification, COSMIC_FAULT_BIN_NOTIFICATION_CONSUMER},
            {kAudit, COSMIC_FAULT_BIN_AUDIT_CONSUMER},
            {kHealth, COSMIC_FAULT_BIN_HEALTH_MONITOR}};
        for (const auto& [name, binary] : binaries) {
            cosmic::testing::ServiceOptions options;
            options.name = name;
            options.binary = binary;
            options.tokens = {{"alice-token", "alice", {"user"}},
                              {"bob-token", "bob", {"user"}},
                              {"carol-token", "carol", {"auditor"}},
                              {"root-token", "root", {"admin"}}};
            options.env = {{"KAFKA_ENABLED", "false"},
                           {"COSMIC_LOG_LEVEL", "warn"},
                           // Short, so the slow-client tests see every cut within seconds.
                           {"COSMIC_HTTP_HEADER_TIMEOUT_MS", "2000"},
                           {"COSMIC_HTTP_BODY_TIMEOUT_MS", "2000"}};
            if (std::string(name) == kAudit) {
                // As if every slow client came from its own address: only the worker reserve
                // protects the health probe then.
                options.env["COSMIC_HTTP_MAX_CONNECTIONS_PER_CLIENT"] = "1000";
            }
            options.ready_path = "/healthz";
            auto process = std::make_unique<ServiceProcess>(options);
            process->Launch();
            EXPECT_TRUE(WaitUntil([&] { return HttpCall(process->BaseUrl() + "/healthz").status == 200; }))
                << process->LogTail();
            processes_.emplace(name, std::move(process));
        }
    }

    int Port(const std::string& name) { return processes_.at(name)->Port(); }
    HttpClient Client(const std::string& name) { return HttpClient(Port(name)); }

  private:
    std::map<std::string, std::unique_ptr<ServiceProcess>> processes_;
};

class ApiAbuseTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { services_ = new Services(); }
    static void TearDownTestSuite() {
        delete services_;
        services_ = nullptr;
    }

    static HttpResponse Call(const std::string& service, const std::string& method, const std::string& path,
                             const std::string& token, const std::string& json = {}) {
        return services_->Client(service).Call(method, path, json, token);
    }

    static std::string ErrorCode(const HttpResponse& response) {
        simdjson::dom::parser parser;
        std::string_view code;
        if (parser.parse(response.body)["error"]["code"].get(code) != simdjson::SUCCESS) return "<none>";
        return std::string(code);
    }

    static Services* services_;
};

Services* ApiAbuseTest::services_ = nullptr;

struct Route {
    const char* service;
    const char* method;
    const char* path;
};

const Route kProtectedRoutes[] = {
    {kOrchestrator, "GET", "/api/v1/jobs"},
    {kOrchestrator, "POST", "/api/v1/jobs"},
    {kOrchestrator, "GET", "/api/v1/jobs/j-1"},
    {kOrchestrator, "POST", "/api/v1/jobs/j-1/cancel"},
    {kOrchestrator, "POST", "/api/v1/jobs/j-1/complete"},
    {kOrchestrator, "POST", "/api/v1/jobs/j-1/fail"},
    {kMetrics, "GET", "/api/v1/metrics/jobs/j-1"},
    {kMetrics, "GET", "/api/v1/metrics/summary"},
    {kMetrics, "GET", "/api/v1/metrics/lag"},
    {kNotification, "GET", "/api/v1/notifications"},
    {kNotification, "POST", "/api/v1/notifications/read-all"},
    {kNotification, "POST", "/api/v1/notifications/n-1/read"},
    {kAudit, "GET", "/api/v1/audit"},
    {kAudit, "GET", "/api/v1/audit/events/1"},
    {kAudit, "GET", "/api/v1/audit/verify"},
    {kAudit, "GET", "/api/v1/audit/compliance-report"},
    {kHealth, "GET", "/api/v1/health"},
    {kHealth, "GET", "/api/v1/alerts"},
};

TEST_F(ApiAbuseTest, MissingOrWrongTokenIs401OnEveryProtectedRoute) {
    for (const Route& route : kProtectedRoutes) {
        for (const std::string token : {"", "wrong-token", "Alice-Token"}) {
            const HttpResponse response = Call(route.service, route.method, route.path, token);
            EXPECT_EQ(response.status, 401) << route.service << " " << route.method << " " << route.path << " token '"
                                            << token << "': " << response.Describe();
            EXPECT_EQ(ErrorCode(response), "unauthorized") << route.path;
            EXPECT_EQ(response.Header("WWW-Authenticate").rfind("Bearer", 0), 0u) << route.path;
        }
    }
}

TEST_F(ApiAbuseTest, AnotherUsersJobIsNotFoundAndAnAdminSeesIt) {
    const HttpResponse submitted =
        Call(kOrchestrator, "POST", "/api/v1/jobs", "alice-token", R"({"name":"mine","kind":"imaging"})");
    ASSERT_EQ(submitted.status, 202) << submitted.Describe();
    simdjson::dom::parser parser;
    const std::string id(std::string_view(parser.parse(submitted.body)["job_id"]));
    const std::string job = "/api/v1/jobs/" + id;

    EXPECT_EQ(Call(kOrchestrator, "GET", job, "alice-token").status, 200);
    const HttpResponse as_bob = Call(kOrchestrator, "GET", job, "bob-token");
    EXPECT_EQ(as_bob.status, 404) << as_bob.Describe();
    // Indistinguishable from a job that does not exist (bar the id the caller sent).
    const auto without = [](std::string text, const std::string& what) {
        for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what))
            text.replace(at, what.size(), "ID");
        return text;
    };
    const HttpResponse unknown = Call(kOrchestrator, "GET", "/api/v1/jobs/no-such-job", "bob-token");
    EXPECT_EQ(without(as_bob.body, id), without(unknown.body, "no-such-job"));
    for (const char* action : {"/cancel", "/complete", "/fail"}) {
        const HttpResponse response = Call(kOrchestrator, "POST", job + action, "bob-token", R"({"error":"x"})");
        EXPECT_EQ(response.status, 404) << action << ": " << response.Describe();
    }
    const HttpResponse bob_list = Call(kOrchestrator, "GET", "/api/v1/jobs", "bob-token");
    EXPECT_EQ(bob_list.body.find(id), std::string::npos) << bob_list.body;
    EXPECT_EQ(Call(kOrchestrator, "GET", job, "root-token").status, 200);
    EXPECT_NE(Call(kOrchestrator, "GET", "/api/v1/jobs", "root-token").body.find(id), std::string::npos);

    EXPECT_EQ(Call(kMetrics, "GET", "/api/v1/metrics/jobs/" + id, "bob-token").status, 404);
    EXPECT_EQ(Call(kNotification, "POST", "/api/v1/notifications/" + id + "/read", "bob-token").status, 404);
}

TEST_F(ApiAbuseTest, AuditRoutesNeedTheAuditorOrAdminRole) {
    for (const char* path : {"/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/compliance-report"}) {
        const HttpResponse as_user = Call(kAudit, "GET", path, "alice-token");
        EXPECT_EQ(as_user.status, 403) << path << ": " << as_user.Describe();
        EXPECT_EQ(ErrorCode(as_user), "forbidden");
        EXPECT_EQ(Call(kAudit, "GET", path, "carol-token").status, 200) << path;
        EXPECT_EQ(Call(kAudit, "GET", path, "root-token").status, 200) << path;
    }
    EXPECT_EQ(Call(kAudit, "GET", "/api/v1/audit/events/1", "alice-token").status, 403);
}

TEST_F(ApiAbuseTest, SqlMetacharactersInEveryFilterAreHarmless) {
    const std::vector<std::string> nasty = {"' OR '1'='1",
                                            "x'; DROP TABLE audit_events; --",
                                            "\" OR \"\"=\"",
                                            "1 UNION SELECT name FROM sqlite_master",
                                            "%",
                                            "_",
                                            "\\",
                                            "*/ OR 1=1 /*",
                                            "1; DELETE FROM jobs"};
    for (const std::string& value : nasty) {
        const std::string q = UrlEncode(value);
        // Identifier filters are values: they match nothing, and say so.
        for (const char* name : {"resource_id", "job_id", "user_id"}) {
            const HttpResponse response =
                Call(kAudit, "GET", "/api/v1/audit?" + std::string(name) + "=" + q, "carol-token");
            EXPECT_EQ(response.status, 200) << name << "=" << value << ": " << response.Describe();
            EXPECT_NE(response.body.find(R"("events":[])"), std::string::npos) << name << "=" << value;
        }
        // Typed filters refuse what is not of their type.
        for (const char* name : {"action", "from", "to", "valid", "limit", "cursor", "order"}) {
            const HttpResponse response =
                Call(kAudit, "GET", "/api/v1/audit?" + std::string(name) + "=" + q, "carol-token");
            EXPECT_EQ(response.status, 400) << name << "=" << value << ": " << response.Describe();
        }
        for (const char* name : {"status", "limit", "cursor"}) {
            const HttpResponse response =
                Call(kOrchestrator, "GET", "/api/v1/jobs?" + std::string(name) + "=" + q, "alice-token");
            EXPECT_EQ(response.status, 400) << name << "=" << value << ": " << response.Describe();
        }
        EXPECT_EQ(Call(kOrchestrator, "GET", "/api/v1/jobs/" + q, "alice-token").status, 404) << value;
        for (const char* name : {"unread", "limit", "cursor"}) {
            const HttpResponse response =
                Call(kNotification, "GET", "/api/v1/notifications?" + std::string(name) + "=" + q, "alice-token");
            EXPECT_EQ(response.status, 400) << name << "=" << value << ": " << response.Describe();
        }
        EXPECT_EQ(Call(kNotification, "POST", "/api/v1/notifications/" + q + "/read", "alice-token").status, 404);
        EXPECT_EQ(Call(kMetrics, "GET", "/api/v1/metrics/jobs/" + q, "root-token").status, 404) << value;
        EXPECT_EQ(Call(kHealth, "GET", "/api/v1/alerts?state=" + q, "alice-token").status, 400) << value;
    }
    // Nothing was dropped or changed: the stores still answer and the audit chain verifies.
    const HttpResponse verify = Call(kAudit, "GET", "/api/v1/audit/verify", "carol-token");
    EXPECT_EQ(verify.status, 200) << verify.Describe();
    EXPECT_NE(verify.body.find(R"("ok":true)"), std::string::npos) << verify.body;
    EXPECT_EQ(Call(kOrchestrator, "GET", "/api/v1/jobs", "alice-token").status, 200);
    EXPECT_EQ(Call(kNotification, "GET", "/api/v1/notifications", "alice-token").status, 200);
}

TEST_F(ApiAbuseTest, OversizedBodiesAre413WithoutBeingRead) {
    const std::string big = R"({"name":")" + std::string(std::size_t{2} * 1024 * 1024, 'x') + R"(","kind":"k"})";
    for (const Route& route : {Route{kOrchestrator, "POST", "/api/v1/jobs"},
                               Route{kNotification, "POST", "/api/v1/notifications/read-all"}}) {
        for (const std::string token : {"alice-token", ""}) {
            const HttpResponse response = Call(route.service, route.method, route.path, token, big);
            EXPECT_EQ(response.status, 413) << route.path << ": " << response.Describe();
            EXPECT_EQ(ErrorCode(response), "payload_too_large") << route.path;
        }
        // Announced, never sent: answered at once, not after waiting for the bytes.
        RawSocket socket(services_->Port(route.service));
        ASSERT_TRUE(socket.SendAll(std::string(route.method) + " " + route.path +
                                   " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                   "Content-Length: 1073741824\r\n\r\n{"));
        const std::string response = socket.ReadHttpResponse();
        EXPECT_EQ(response.rfind("HTTP/1.1 413 ", 0), 0u) << response;
    }
}

TEST_F(ApiAbuseTest, BodiesThatAreNotJsonAre415AndDuplicateKeysAre400) {
    HttpClient orchestrator = services_->Client(kOrchestrator);
    cosmic::testing::HttpRequest form;
    form.method = "POST";
    form.body = R"({"name":"n","kind":"k"})";
    form.content_type = "application/x-www-form-urlencoded";
    form.bearer_token = "alice-token";
    const HttpResponse response = orchestrator.Send("/api/v1/jobs", form);
    EXPECT_EQ(response.status, 415) << response.Describe();
    EXPECT_EQ(ErrorCode(response), "unsupported_media_type");
    const HttpResponse duplicate =
        Call(kOrchestrator, "POST", "/api/v1/jobs", "alice-token", R"({"name":"a","kind":"k","name":"b"})");
    EXPECT_EQ(duplicate.status, 400) << duplicate.Describe();
}

TEST_F(ApiAbuseTest, WebSocketsWithoutAValidTokenAreRefused) {
    const std::vector<std::pair<const char*, const char*>> sockets = {
        {kMetrics, "/ws/metrics"}, {kNotification, "/ws/notifications"}, {kHealth, "/ws/health"}};
    for (const auto& [service, path] : sockets) {
        const int port = services_->Port(service);
        EXPECT_EQ(cosmic::testing::WebSocketClient(port, path).Status(), 403) << service;
        EXPECT_EQ(cosmic::testing::WebSocketClient(port, path, {.bearer_token = "wrong-token"}).Status(), 403)
            << service;
        EXPECT_EQ(cosmic::testing::WebSocketClient(port, std::string(path) + "?token=wrong-token").Status(), 403)
            << service;
        cosmic::testing::WebSocketClient accepted(port, path, {.bearer_token = "alice-token"});
        EXPECT_EQ(accepted.Status(), 101) << service << ": " << accepted.Response();
        accepted.SendClose();
    }
}

TEST_F(ApiAbuseTest, OneUserCannotTakeEveryWebSocketSlot) {
    const std::vector<std::pair<const char*, const char*>> sockets = {
        {kMetrics, "/ws/metrics"}, {kNotification, "/ws/notifications"}, {kHealth, "/ws/health"}};
    for (const auto& [service, path] : sockets) {
        const int port = services_->Port(service);
        std::vector<std::unique_ptr<cosmic::testing::WebSocketClient>> alices;
        for (int i = 0; i < 8; ++i) {  // the default per-user cap
            alices.push_back(std::make_unique<cosmic::testing::WebSocketClient>(
                port, path, cosmic::testing::WebSocketOptions{.bearer_token = "alice-token"}));
            ASSERT_EQ(alices.back()->Status(), 101) << service << " connection " << i;
        }
        EXPECT_EQ(cosmic::testing::WebSocketClient(port, path, {.bearer_token = "alice-token"}).Status(), 403)
            << service;
        cosmic::testing::WebSocketClient bob(port, path, {.bearer_token = "bob-token"});
        EXPECT_EQ(bob.Status(), 101) << service << ": others still get in";
        bob.SendClose();
        for (auto& alice : alices) alice->SendClose();
    }
}

TEST_F(ApiAbuseTest, ConflictingLengthsAreRefusedAndTheConnectionClosed) {
    for (const char* framing :
         {"Content-Length: 2\r\nContent-Length: 60\r\n", "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n"}) {
        RawSocket socket(services_->Port(kOrchestrator));
        ASSERT_TRUE(
            socket.SendAll(std::string("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\n"
                                       "Content-Type: application/json\r\nAuthorization: Bearer alice-token\r\n") +
                           framing + "\r\n{}GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
        const std::string response = socket.ReadHttpResponse();
        EXPECT_EQ(response.rfind("HTTP/1.1 400 ", 0), 0u) << response;
        EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
        // Closed with no second response: the rest of the bytes were never read as a request.
        std::string rest = socket.Buffered();
        EXPECT_TRUE(WaitUntil([&] { return ClosedByServer(socket.fd(), &rest); }));
        EXPECT_EQ(rest, "");
    }
}

/// 80 slow clients (40 trickling their headers a byte at a time, 40 announcing a body they never
/// send) against one service; /healthz must still answer and every slow connection be closed.
void SlowClientsDoNotStarveHealth(const std::string& service, int port) {
    std::vector<std::unique_ptr<RawSocket>> slow;
    std::vector<int> trickled;
    for (int i = 0; i < 40; ++i) {
        slow.push_back(std::make_unique<RawSocket>(port));
        ASSERT_TRUE(slow.back()->SendAll("GET /api/v1/jobs HTTP/1.1\r\nHost: x\r\nX-Slow: "));
        trickled.push_back(slow.back()->fd());
        slow.push_back(std::make_unique<RawSocket>(port));
        ASSERT_TRUE(
            slow.back()->SendAll("POST /api/v1/jobs HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                 "application/json\r\nContent-Length: 1000\r\n\r\n{"));
    }
    const Trickler trickler(trickled);
    long long worst_ms = 0;
    for (int probe = 0; probe < 10; ++probe) {
        const auto start = cosmic::testing::Clock::now();
        const HttpResponse health = HttpCall("http://127.0.0.1:" + std::to_string(port) + "/healthz");
        worst_ms = std::max(worst_ms, cosmic::testing::ElapsedMs(start));
        EXPECT_EQ(health.status, 200) << service << ": " << health.Describe();
    }
    // Reported, not asserted: a kubelet probe's default timeout is 1 s.
    std::cout << service << ": slowest of 10 /healthz probes beside 80 slow clients: " << worst_ms << " ms\n";
    ::testing::Test::RecordProperty(service + "_healthz_worst_ms", std::to_string(worst_ms));
    for (std::size_t i = 0; i < slow.size(); ++i) {
        ASSERT_TRUE(WaitUntil([&] { return ClosedByServer(slow[i]->fd()); })) << service << ": slow client " << i;
    }
}

TEST_F(ApiAbuseTest, SlowClientsFromOneAddressDoNotStarveHealthProbes) {
    SlowClientsDoNotStarveHealth(kOrchestrator, services_->Port(kOrchestrator));
}

TEST_F(ApiAbuseTest, SlowClientsFromManyAddressesDoNotStarveHealthProbes) {
    // The audit-consumer here allows 1000 connections per address, as if each came from its own.
    SlowClientsDoNotStarveHealth(kAudit, services_->Port(kAudit));
}

}  // namespace
}  // namespace cosmic::fault
