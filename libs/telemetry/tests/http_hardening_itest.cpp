// The HTTP server against hostile clients on a real socket: slow senders (slowloris), bodies
// announced and never sent, request smuggling primitives, and requests civetweb refuses itself.

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <simdjson.h>
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/raw_socket.hpp"
#include "cosmic/testing/wait.hpp"
#include "test_support.hpp"

namespace cosmic::telemetry {
namespace {

using cosmic::testing::ClosedByServer;
using cosmic::testing::HttpCall;
using cosmic::testing::RawSocket;
using cosmic::testing::Trickler;
using cosmic::testing::WaitUntil;
using namespace std::chrono_literals;

/// The error code of a JSON error response ("HTTP/1.1 408 ...\r\n...\r\n\r\n{...}"); "" if none.
std::string ErrorCodeOf(const std::string& response) {
    const std::size_t body = response.find("\r\n\r\n");
    if (body == std::string::npos) {
        return "";
    }
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(response.substr(body + 4)).get(doc) != simdjson::SUCCESS) {
        return "";
    }
    std::string_view code;
    if (doc["error"]["code"].get(code) != simdjson::SUCCESS) {
        return "";
    }
    return std::string(code);
}

cosmic::testing::HttpRequest Post(std::string body, std::string content_type = "application/json") {
    cosmic::testing::HttpRequest request;
    request.method = "POST";
    request.body = std::move(body);
    request.content_type = std::move(content_type);
    return request;
}

class HttpHardeningTest : public ::testing::Test {
  protected:
    void SetUp() override { registry_ = std::make_shared<prometheus::Registry>(); }
    void TearDown() override { server_.reset(); }

    void Start(HttpServerOptions options) {
        options.bind_address = "127.0.0.1";
        options.port = 0;
        server_ = std::make_unique<HttpServer>(options, registry_);
        server_->Route("POST", "/echo",
                       [](const HttpRequest& request) { return HttpResponse::Json(200, request.body); });
        server_->Start();
        base_ = "http://127.0.0.1:" + std::to_string(server_->Port());
    }

    double Cut(const std::string& reason) {
        return testing::MetricValue(*registry_, "cosmic_http_connections_cut_total", {{"reason", reason}}).value_or(0);
    }

    /// Opens `count` connections that send headers one byte at a time and never finish them.
    std::vector<std::unique_ptr<RawSocket>> SlowHeaders(int count) {
        std::vector<std::unique_ptr<RawSocket>> sockets;
        for (int i = 0; i < count; ++i) {
            sockets.push_back(std::make_unique<RawSocket>(server_->Port()));
            EXPECT_TRUE(sockets.back()->SendAll("POST /echo HTTP/1.1\r\nHost: x\r\nX-Slow: "));
        }
        return sockets;
    }

    /// Opens `count` connections whose headers announce a body that never comes (or, trickled,
    /// comes one byte at a time).
    std::vector<std::unique_ptr<RawSocket>> SlowBodies(int count) {
        std::vector<std::unique_ptr<RawSocket>> sockets;
        for (int i = 0; i < count; ++i) {
            sockets.push_back(std::make_unique<RawSocket>(server_->Port()));
            EXPECT_TRUE(sockets.back()->SendAll(
                "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"));
        }
        return sockets;
    }

    std::shared_ptr<prometheus::Registry> registry_;
    std::unique_ptr<HttpServer> server_;
    std::string base_;
};

std::vector<int> Fds(const std::vector<std::unique_ptr<RawSocket>>& sockets) {
    std::vector<int> fds;
    for (const auto& socket : sockets) {
        fds.push_back(socket->fd());
    }
    return fds;
}

TEST_F(HttpHardeningTest, TrickledHeadersAndBodiesAreCutAtTheirDeadlines) {
    HttpServerOptions options;
    options.header_timeout = 1s;
    options.body_timeout = 1s;
    Start(options);
    auto headers = SlowHeaders(2);
    auto bodies = SlowBodies(2);
    auto silent_bodies = SlowBodies(2);  // announced, never sent
    const Trickler trickler([&] {
        std::vector<int> fds = Fds(headers);
        for (const int fd : Fds(bodies)) {
            fds.push_back(fd);
        }
        return fds;
    }());

    // Each byte would restart civetweb's own read timeout; the deadlines are totals.
    std::vector<std::string> received(6);
    std::vector<RawSocket*> all;
    for (auto* group : {&headers, &bodies, &silent_bodies}) {
        for (const auto& socket : *group) {
            all.push_back(socket.get());
        }
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        ASSERT_TRUE(WaitUntil([&] { return ClosedByServer(all[i]->fd(), &received[i]); }))
            << "connection " << i << " is still open";
    }
    for (std::size_t i = 0; i < all.size(); ++i) {
        // A partial request gets a JSON 408 before the close.
        EXPECT_EQ(received[i].rfind("HTTP/1.1 408 ", 0), 0u) << i << ": " << received[i];
        EXPECT_EQ(ErrorCodeOf(received[i]), "request_timeout") << i << ": " << received[i];
    }
    EXPECT_EQ(Cut("header_timeout"), 2);
    EXPECT_EQ(Cut("body_timeout"), 4);
}

TEST_F(HttpHardeningTest, OneClientCannotHoldMoreThanItsShareOfConnections) {
    HttpServerOptions options;
    options.max_connections_per_client = 4;
    options.header_timeout = 60s;  // nothing here may rely on a deadline
    options.body_timeout = 60s;
    Start(options);
    auto slow = SlowHeaders(20);
    auto silent = SlowBodies(20);
    // Its own probes, sent while the server is still sorting out the slow connections, are the
    // newest requests and so never the ones given up.
    for (int i = 0; i < 5; ++i) {
        const auto health = HttpCall(base_ + "/healthz");
        EXPECT_EQ(health.status, 200) << health.Describe();
    }
    // The client's oldest stalled connections made room for its newer ones: at most 4 stay.
    std::vector<std::string> received(40);
    ASSERT_TRUE(WaitUntil([&] {
        int open = 0;
        for (std::size_t i = 0; i < 20; ++i) {
            open += ClosedByServer(slow[i]->fd(), &received[i]) ? 0 : 1;
            open += ClosedByServer(silent[i]->fd(), &received[20 + i]) ? 0 : 1;
        }
        return open <= 4;
    }));
    // The same client still gets its health check answered, by evicting one more stalled one.
    const auto health = HttpCall(base_ + "/healthz");
    EXPECT_EQ(health.status, 200) << health.Describe();
    EXPECT_GE(Cut("evicted"), 36);
}

TEST_F(HttpHardeningTest, HealthIsAnsweredWhileSlowClientsFillEveryWorker) {
    HttpServerOptions options;
    options.threads = 2;
    options.max_websocket_connections = 4;     // 6 worker threads in all
    options.max_connections_per_client = 100;  // as if each came from its own address
    options.header_timeout = 60s;
    options.body_timeout = 60s;
    Start(options);
    auto slow = SlowHeaders(10);
    auto silent = SlowBodies(10);
    const Trickler trickler(Fds(slow));
    for (int i = 0; i < 5; ++i) {
        const auto health = HttpCall(base_ + "/healthz");
        EXPECT_EQ(health.status, 200) << health.Describe();
        const auto echo = HttpCall(base_ + "/echo", Post("{}"));
        EXPECT_EQ(echo.status, 200) << echo.Describe();
    }
    EXPECT_GT(Cut("evicted"), 0);
}

TEST_F(HttpHardeningTest, ConflictingContentLengthsAreRefusedAndTheConnectionClosed) {
    Start({});
    RawSocket socket(server_->Port());
    // Were the first length taken, "GET /metrics ..." would run as a second request.
    ASSERT_TRUE(
        socket.SendAll("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}"
                       "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"));
    const std::string response = socket.ReadHttpResponse();
    EXPECT_EQ(response.rfind("HTTP/1.1 400 ", 0), 0u) << response;
    EXPECT_EQ(ErrorCodeOf(response), "bad_request") << response;
    EXPECT_NE(response.find("Connection: close"), std::string::npos) << response;
    std::string rest;
    ASSERT_TRUE(WaitUntil([&] { return ClosedByServer(socket.fd(), &rest); }));
    EXPECT_EQ(rest, "");
}

TEST_F(HttpHardeningTest, ChunkedWithContentLengthIsRefusedAndTheConnectionClosed) {
    Start({});
    RawSocket socket(server_->Port());
    ASSERT_TRUE(
        socket.SendAll("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                       "2\r\n{}\r\n0\r\n\r\n"));
    const std::string response = socket.ReadHttpResponse();
    EXPECT_EQ(response.rfind("HTTP/1.1 400 ", 0), 0u) << response;
    EXPECT_EQ(ErrorCodeOf(response), "bad_request") << response;
    std::string rest;
    ASSERT_TRUE(WaitUntil([&] { return ClosedByServer(socket.fd(), &rest); }));
    EXPECT_EQ(rest, "");
}

TEST_F(HttpHardeningTest, AmbiguousFramingVariantsAreRefused) {
    Start({});
    for (const char* framing :
         {"Content-Length: 2\r\nContent-Length: 2\r\n", "Content-Length: 2abc\r\n", "Content-Length: +2\r\n",
          "Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"}) {
        RawSocket socket(server_->Port());
        ASSERT_TRUE(socket.SendAll(std::string("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n") +
                                   framing + "\r\n{}"));
        const std::string response = socket.ReadHttpResponse();
        EXPECT_EQ(response.rfind("HTTP/1.1 400 ", 0), 0u) << framing << response;
        EXPECT_EQ(ErrorCodeOf(response), "bad_request") << framing << response;
    }
    // A well-framed request on the same server still works.
    EXPECT_EQ(HttpCall(base_ + "/echo", Post("{}")).body, "{}");
}

TEST_F(HttpHardeningTest, RequestsCivetwebRefusesGetJsonErrors) {
    Start({});
    struct Case {
        std::string request;
        std::string status;
    };
    const std::vector<Case> cases{
        {"GARBAGE\r\n\r\n", "400"},
        {"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", "505"},
        // Headers past civetweb's 16 KiB request buffer.
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20 * 1024, 'a') + "\r\n\r\n", "400"},
    };
    for (const Case& c : cases) {
        RawSocket socket(server_->Port());
        (void)socket.SendAll(c.request);
        const std::string response = socket.ReadHttpResponse();
        EXPECT_EQ(response.substr(0, 13), "HTTP/1.1 " + c.status + " ") << response;
        EXPECT_NE(response.find("Content-Type: application/json"), std::string::npos) << response;
        EXPECT_NE(ErrorCodeOf(response), "") << response;
    }
}

TEST_F(HttpHardeningTest, BodiesThatAreNotJsonGet415) {
    Start({});
    for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/jsonx"}) {
        const auto result = HttpCall(base_ + "/echo", Post("{}", type));
        EXPECT_EQ(result.status, 415) << type << ": " << result.Describe();
        EXPECT_NE(result.body.find("unsupported_media_type"), std::string::npos) << result.body;
    }
    RawSocket socket(server_->Port());
    ASSERT_TRUE(socket.SendAll("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
    EXPECT_EQ(socket.ReadHttpResponse().rfind("HTTP/1.1 415 ", 0), 0u);
    const auto json = HttpCall(base_ + "/echo", Post("{}", "Application/JSON; charset=utf-8"));
    EXPECT_EQ(json.status, 200) << json.Describe();
}

}  // namespace
}  // namespace cosmic::telemetry
