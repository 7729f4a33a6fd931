#include "cosmic/telemetry/http_server.hpp"

#include <gtest/gtest.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <simdjson.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/raw_socket.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "test_support.hpp"

namespace cosmic::telemetry {
namespace {

using cosmic::testing::HttpCall;
using cosmic::testing::RawSocket;
using HttpCallOptions = cosmic::testing::HttpRequest;
using HttpResult = cosmic::testing::HttpResponse;
using testing::MetricValue;

/// Parses `json` and returns error.code / error.message of an error body.
std::pair<std::string, std::string> ErrorFields(const std::string& json) {
    simdjson::dom::parser parser;
    const simdjson::dom::element doc = parser.parse(json);
    return {std::string(std::string_view(doc["error"]["code"])),
            std::string(std::string_view(doc["error"]["message"]))};
}

class HttpServerTest : public ::testing::Test {
  protected:
    void SetUp() override { registry_ = std::make_shared<prometheus::Registry>(); }
    // The server goes first: its callbacks refer to state owned by the test.
    void TearDown() override { server_.reset(); }

    HttpServer& MakeServer(HttpServerOptions options = {}) {
        options.bind_address = "127.0.0.1";
        options.port = 0;
        server_ = std::make_unique<HttpServer>(options, registry_);
        return *server_;
    }

    void Start() {
        server_->Start();
        base_ = "http://127.0.0.1:" + std::to_string(server_->Port());
    }

    std::shared_ptr<prometheus::Registry> registry_;
    std::unique_ptr<HttpServer> server_;
    std::string base_;
};

TEST_F(HttpServerTest, PortZeroBindsAFreePort) {
    MakeServer();
    Start();
    EXPECT_GT(server_->Port(), 0);
    EXPECT_EQ(HttpCall(base_ + "/healthz").status, 200);
}

TEST_F(HttpServerTest, RoutesPassDecodedPathParameters) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/api/v1/jobs/{id}/events/{kind}", [](const HttpRequest& request) {
        return HttpResponse::Json(200, std::string(request.Param("id")) + "|" + std::string(request.Param("kind")) +
                                           "|" + std::string(request.Param("missing")));
    });
    Start();
    EXPECT_EQ(HttpCall(base_ + "/api/v1/jobs/j-1/events/state").body, "j-1|state|");
    // %2F decodes inside its segment instead of splitting the path.
    EXPECT_EQ(HttpCall(base_ + "/api/v1/jobs/a%2Fb%20c/events/x").body, "a/b c|x|");
    // One trailing slash is tolerated.
    EXPECT_EQ(HttpCall(base_ + "/api/v1/jobs/j-2/events/y/").body, "j-2|y|");
}

TEST_F(HttpServerTest, MostSpecificRouteWins) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/api/v1/metrics/jobs/{id}",
                 [](const HttpRequest&) { return HttpResponse::Json(200, "param"); });
    server.Route("GET", "/api/v1/metrics/jobs/summary",
                 [](const HttpRequest&) { return HttpResponse::Json(200, "literal"); });
    Start();
    EXPECT_EQ(HttpCall(base_ + "/api/v1/metrics/jobs/summary").body, "literal");
    EXPECT_EQ(HttpCall(base_ + "/api/v1/metrics/jobs/j-9").body, "param");
}

TEST_F(HttpServerTest, QueryParametersAreDecodedAndHeadersCaseInsensitive) {
    HttpServer& server = MakeServer();
    std::string seen;
    server.Route("GET", "/q", [&seen](const HttpRequest& request) {
        seen = request.Query("status").value_or("<none>") + "|" + request.Query("name").value_or("<none>") + "|" +
               request.Query("empty").value_or("<none>") + "|" + request.Query("flag").value_or("<none>") + "|" +
               request.Query("absent").value_or("<none>") + "|" +
               std::string(request.Header("x-token").value_or("<none>")) + "|" + request.remote_addr + "|" +
               request.path + "|" + request.query;
        return HttpResponse::Json(200, "{}");
    });
    Start();
    HttpCallOptions options;
    options.headers = {"X-Token: secret"};
    ASSERT_EQ(HttpCall(base_ + "/q?status=running&name=a+b%26c%3D&empty=&flag&status=second", options).status, 200);
    EXPECT_EQ(seen,
              "running|a b&c=|||<none>|secret|127.0.0.1|/q|status=running&name=a+b%26c%3D&empty=&flag&status=second");
}

TEST_F(HttpServerTest, UnknownPathIs404WithJsonError) {
    MakeServer();
    Start();
    const HttpResult result = HttpCall(base_ + "/nowhere");
    EXPECT_EQ(result.status, 404);
    EXPECT_EQ(result.Header("Content-Type"), "application/json");
    EXPECT_EQ(ErrorFields(result.body).first, "not_found");
}

TEST_F(HttpServerTest, WrongMethodIs405WithAllowHeader) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/api/v1/jobs/{id}", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
    server.Route("POST", "/api/v1/jobs/{id}", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
    Start();
    HttpCallOptions options;
    options.method = "DELETE";
    const HttpResult result = HttpCall(base_ + "/api/v1/jobs/7", options);
    EXPECT_EQ(result.status, 405);
    EXPECT_EQ(result.Header("Allow"), "GET, HEAD, POST");
    EXPECT_EQ(ErrorFields(result.body).first, "method_not_allowed");
}

TEST_F(HttpServerTest, HeadUsesTheGetRouteWithoutBody) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/thing", [](const HttpRequest&) { return HttpResponse::Json(200, R"({"a":1})"); });
    Start();
    HttpCallOptions options;
    options.method = "HEAD";
    const HttpResult result = HttpCall(base_ + "/thing", options);
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.Header("Content-Length"), "7");
    EXPECT_TRUE(result.body.empty());
}

TEST_F(HttpServerTest, BodiesWithinTheLimitReachTheHandler) {
    HttpServerOptions options;
    options.max_request_bytes = 64 * 1024;
    HttpServer& server = MakeServer(options);
    server.Route("POST", "/echo", [](const HttpRequest& request) { return HttpResponse::Text(200, request.body); });
    Start();
    const std::string body(64 * 1024, 'x');
    HttpCallOptions call;
    call.method = "POST";
    call.body = body;
    call.content_type = "application/json";
    EXPECT_EQ(HttpCall(base_ + "/echo", call).body, body);
    call.chunked = true;
    EXPECT_EQ(HttpCall(base_ + "/echo", call).body, body);
}

TEST_F(HttpServerTest, DeclaredBodyOverTheLimitIs413BeforeTheBodyIsSent) {
    HttpServerOptions options;
    options.max_request_bytes = 1024;
    HttpServer& server = MakeServer(options);
    std::atomic<int> calls{0};
    server.Route("POST", "/upload", [&calls](const HttpRequest&) {
        ++calls;
        return HttpResponse::Json(200, "{}");
    });
    Start();
    // The body is announced but never sent: a server that tried to read it would never answer.
    RawSocket socket(server_->Port());
    ASSERT_TRUE(socket.SendAll(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"));
    const std::string response = socket.ReadHttpResponse();
    ASSERT_EQ(response.rfind("HTTP/1.1 413 ", 0), 0U) << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos);
    EXPECT_EQ(ErrorFields(response.substr(response.find("\r\n\r\n") + 4)).first, "payload_too_large");
    EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitIs413WhileStreaming) {
    HttpServerOptions options;
    options.max_request_bytes = 8 * 1024;
    HttpServer& server = MakeServer(options);
    server.Route("POST", "/upload", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
    Start();
    RawSocket socket(server_->Port());
    ASSERT_TRUE(socket.SendAll(
        "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"));
    // More than the limit, and no terminating chunk: the answer must come while the body is open.
    const std::string chunk = "1000\r\n" + std::string(0x1000, 'y') + "\r\n";
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(socket.SendAll(chunk));
    }
    const std::string response = socket.ReadHttpResponse();
    ASSERT_EQ(response.rfind("HTTP/1.1 413 ", 0), 0U) << response;
    EXPECT_EQ(ErrorFields(response.substr(response.find("\r\n\r\n") + 4)).first, "payload_too_large");
}

TEST_F(HttpServerTest, Expect100ContinueIsAnswered) {
    HttpServer& server = MakeServer();
    server.Route("POST", "/echo", [](const HttpRequest& request) { return HttpResponse::Text(200, request.body); });
    Start();
    RawSocket socket(server_->Port());
    ASSERT_TRUE(
        socket.SendAll("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
                       "Expect: 100-continue\r\n\r\n"));
    // The client holds the body back until the interim response arrives.
    const std::string interim = socket.ReadHttpResponse();
    ASSERT_EQ(interim.rfind("HTTP/1.1 100 Continue", 0), 0U) << interim;
    ASSERT_TRUE(socket.SendAll("hello"));
    const std::string response = socket.ReadHttpResponse();
    ASSERT_EQ(response.rfind("HTTP/1.1 200 ", 0), 0U) << response;
    EXPECT_EQ(response.substr(response.size() - 5), "hello");
}

TEST_F(HttpServerTest, HandlerExceptionIs500JsonWithoutTheMessage) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/boom", [](const HttpRequest&) -> HttpResponse { throw std::runtime_error("secret detail"); });
    server.Route("GET", "/odd", [](const HttpRequest&) -> HttpResponse { throw 42; });
    server.Route("GET", "/bad-status", [](const HttpRequest&) { return HttpResponse::Json(1000, "{}"); });
    Start();
    for (const char* path : {"/boom", "/odd", "/bad-status"}) {
        const HttpResult result = HttpCall(base_ + path);
        EXPECT_EQ(result.status, 500) << path;
        EXPECT_EQ(ErrorFields(result.body).first, "internal") << path;
        EXPECT_EQ(result.body.find("secret"), std::string::npos);
    }
    // The server keeps serving after a handler failure.
    EXPECT_EQ(HttpCall(base_ + "/healthz").status, 200);
}

TEST_F(HttpServerTest, ErrorBodiesEscapeJson) {
    const HttpResponse response = HttpResponse::Error(400, "bad_request", "field \"name\" \\ has\nnewline \x01 \xff");
    EXPECT_EQ(response.status, 400);
    const auto [code, message] = ErrorFields(response.body);
    EXPECT_EQ(code, "bad_request");
    EXPECT_EQ(message, "field \"name\" \\ has\nnewline \x01 \xEF\xBF\xBD");
}

TEST_F(HttpServerTest, HandlerHeadersAndContentTypeAreSent) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/h", [](const HttpRequest&) {
        HttpResponse response = HttpResponse::Text(201, "plain", "text/csv");
        response.headers.emplace_back("X-Request-Id", "abc");
        response.headers.emplace_back("X-Evil", "a\r\nInjected: yes");
        return response;
    });
    Start();
    const HttpResult result = HttpCall(base_ + "/h");
    EXPECT_EQ(result.status, 201);
    EXPECT_EQ(result.Header("Content-Type"), "text/csv");
    EXPECT_EQ(result.Header("X-Request-Id"), "abc");
    EXPECT_EQ(result.Header("Injected"), "");
    EXPECT_EQ(result.body, "plain");
}

TEST_F(HttpServerTest, HealthzIsOk) {
    MakeServer();
    Start();
    const HttpResult result = HttpCall(base_ + "/healthz");
    EXPECT_EQ(result.status, 200);
    EXPECT_EQ(result.body, R"({"status":"ok"})");
}

TEST_F(HttpServerTest, ReadyzReportsEveryCheck) {
    HttpServer& server = MakeServer();
    std::atomic<bool> kafka_ready{false};
    server.AddReadinessCheck("store", [](std::string& detail) {
        detail = "open";
        return true;
    });
    server.AddReadinessCheck("kafka", [&kafka_ready](std::string& detail) {
        detail = kafka_ready ? "group assigned" : "waiting for \"assignment\"";
        return kafka_ready.load();
    });
    Start();

    HttpResult result = HttpCall(base_ + "/readyz");
    EXPECT_EQ(result.status, 503);
    simdjson::dom::parser parser;
    simdjson::dom::element doc = parser.parse(result.body);
    EXPECT_FALSE(bool(doc["ready"]));
    EXPECT_TRUE(bool(doc["checks"]["store"]["ok"]));
    EXPECT_FALSE(bool(doc["checks"]["kafka"]["ok"]));
    EXPECT_EQ(std::string_view(doc["checks"]["kafka"]["detail"]), "waiting for \"assignment\"");

    kafka_ready = true;
    result = HttpCall(base_ + "/readyz");
    EXPECT_EQ(result.status, 200);
    doc = parser.parse(result.body);
    EXPECT_TRUE(bool(doc["ready"]));
    EXPECT_EQ(std::string_view(doc["checks"]["kafka"]["detail"]), "group assigned");

    // A check added while serving counts, and one that throws means not ready.
    server.AddReadinessCheck("broken", [](std::string&) -> bool { throw std::runtime_error("no handle"); });
    result = HttpCall(base_ + "/readyz");
    EXPECT_EQ(result.status, 503);
    doc = parser.parse(result.body);
    EXPECT_NE(std::string(std::string_view(doc["checks"]["broken"]["detail"])).find("no handle"), std::string::npos);
}

TEST_F(HttpServerTest, MetricsCountRequestsByRoutePattern) {
    HttpServer& server = MakeServer();
    server.Route("GET", "/api/v1/jobs/{id}", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
    Start();
    HttpCall(base_ + "/api/v1/jobs/a");
    HttpCall(base_ + "/api/v1/jobs/b");
    HttpCall(base_ + "/no/such/path/12345");
    HttpCallOptions put;
    put.method = "PUT";
    HttpCall(base_ + "/api/v1/jobs/c", put);
    HttpCallOptions weird;
    weird.method = "PROPFIND";  // a WebDAV method civetweb passes through
    HttpCall(base_ + "/api/v1/jobs/c", weird);

    prometheus::Registry& registry = *registry_;
    EXPECT_EQ(MetricValue(registry, "cosmic_http_requests_total",
                          {{"method", "GET"}, {"route", "/api/v1/jobs/{id}"}, {"code", "200"}}),
              2.0);
    EXPECT_EQ(MetricValue(registry, "cosmic_http_requests_total",
                          {{"method", "GET"}, {"route", "unmatched"}, {"code", "404"}}),
              1.0);
    EXPECT_EQ(MetricValue(registry, "cosmic_http_requests_total",
                          {{"method", "PUT"}, {"route", "/api/v1/jobs/{id}"}, {"code", "405"}}),
              1.0);
    // Arbitrary client methods collapse into one label value.
    EXPECT_EQ(MetricValue(registry, "cosmic_http_requests_total",
                          {{"method", "other"}, {"route", "/api/v1/jobs/{id}"}, {"code", "405"}}),
              1.0);
    EXPECT_EQ(MetricValue(registry, "cosmic_http_request_seconds", {{"method", "GET"}, {"route", "/api/v1/jobs/{id}"}}),
              2.0);

    const HttpResult metrics = HttpCall(base_ + "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_EQ(metrics.Header("Content-Type"), "text/plain; version=0.0.4");
    EXPECT_NE(metrics.body.find("process_resident_memory_bytes "), std::string::npos);
    EXPECT_NE(metrics.body.find("process_start_time_seconds "), std::string::npos);
    EXPECT_EQ(metrics.body.find("12345"), std::string::npos) << "a raw path leaked into a label";
}

TEST_F(HttpServerTest, MetricsPassPromtool) {
    if (std::FILE* probe = std::fopen("/usr/bin/promtool", "r")) {
        std::fclose(probe);
    } else {
        GTEST_SKIP() << "promtool is not installed";
    }
    HttpServer& server = MakeServer();
    server.Route("GET", "/x/{id}", [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); });
    prometheus::BuildCounter()
        .Name("cosmic_test_events_total")
        .Help("Test counter")
        .Register(*registry_)
        .Add({{"topic", "job-metrics"}})
        .Increment();
    Start();
    HttpCall(base_ + "/x/1");
    HttpCall(base_ + "/missing");
    const HttpResult metrics = HttpCall(base_ + "/metrics");
    ASSERT_EQ(metrics.status, 200);

    const cosmic::testing::TempDir dir("telemetry-metrics");
    cosmic::testing::ProcessOptions promtool;
    promtool.binary = "/usr/bin/promtool";
    promtool.args = {"check", "metrics"};
    promtool.stdin_path = dir.Write("metrics.txt", metrics.body);
    const cosmic::testing::CommandResult checked = cosmic::testing::RunCommand(promtool);
    EXPECT_EQ(checked.exit_status, 0) << checked.out << checked.err;
}

TEST_F(HttpServerTest, BindFailureNamesTheAddress) {
    MakeServer();
    Start();
    HttpServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = server_->Port();
    HttpServer second(options, registry_);
    try {
        second.Start();
        FAIL() << "second bind to the same port succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("127.0.0.1:" + std::to_string(server_->Port())), std::string::npos)
            << e.what();
    }
}

TEST_F(HttpServerTest, RegistrationErrorsAreReported) {
    HttpServer& server = MakeServer();
    const HttpHandler ok = [](const HttpRequest&) { return HttpResponse::Json(200, "{}"); };
    EXPECT_THROW(server.Route("GET", "no-slash", ok), std::invalid_argument);
    EXPECT_THROW(server.Route("GET", "/a/{}", ok), std::invalid_argument);
    EXPECT_THROW(server.Route("GET", "/a/{id}/{id}", ok), std::invalid_argument);
    EXPECT_THROW(server.Route("GET", "/healthz", ok), std::invalid_argument);
    server.Route("GET", "/a/{id}", ok);
    EXPECT_THROW(server.Route("GET", "/a/{other}", ok), std::invalid_argument);
    EXPECT_THROW(server.Route("GET", "/b", HttpHandler{}), std::invalid_argument);
    Start();
    EXPECT_THROW(server.Route("GET", "/late", ok), std::logic_error);
    EXPECT_THROW(server.Start(), std::logic_error);
}

TEST_F(HttpServerTest, StopIsIdempotentAndRefusesConnections) {
    MakeServer();
    Start();
    const int port = server_->Port();
    server_->Stop();
    server_->Stop();
    EXPECT_THROW(RawSocket socket(port), std::runtime_error);
}

}  // namespace
}  // namespace cosmic::telemetry
