#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/wait.hpp"
#include "cosmic/testing/websocket_client.hpp"
#include "test_support.hpp"

namespace cosmic::telemetry {
namespace {

using cosmic::testing::HttpCall;
using cosmic::testing::WaitUntil;
using testing::MetricValue;
using WsClient = cosmic::testing::WebSocketClient;
using ConnectionId = WebSocketEndpoint::ConnectionId;

/// What the endpoint callbacks saw, safe to read from the test thread.
struct Observed {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<ConnectionId> opened;
    std::vector<ConnectionId> closed;
    std::vector<std::string> messages;
    std::string last_token;
    std::string last_query;

    template <typename Condition>
    bool Wait(Condition condition) {
        std::unique_lock lock(mutex);
        return changed.wait_for(lock, std::chrono::seconds(20), [&] { return condition(*this); });
    }
};

class WebSocketTest : public ::testing::Test {
  protected:
    void SetUp() override { registry_ = std::make_shared<prometheus::Registry>(); }
    // The server goes first: its callbacks refer to state owned by the test.
    void TearDown() override { server_.reset(); }

    /// A server with one endpoint at /ws that accepts token "good" and echoes "echo:<text>".
    WebSocketEndpoint& StartServer(HttpServerOptions options = {}) {
        options.bind_address = "127.0.0.1";
        options.port = 0;
        server_ = std::make_unique<HttpServer>(options, registry_);
        WebSocketEndpoint::Callbacks callbacks;
        callbacks.on_open = [this](ConnectionId id, const HttpRequest& request) {
            std::lock_guard lock(observed_.mutex);
            observed_.last_token = std::string(request.Header("authorization").value_or(""));
            observed_.last_query = request.Query("topic").value_or("");
            if (request.Query("token").value_or("") != "good" && observed_.last_token != "Bearer good") {
                return false;
            }
            observed_.opened.push_back(id);
            observed_.changed.notify_all();
            return true;
        };
        callbacks.on_message = [this](ConnectionId id, std::string_view text) {
            {
                std::lock_guard lock(observed_.mutex);
                observed_.messages.emplace_back(text);
                observed_.changed.notify_all();
            }
            endpoint_->Send(id, "echo:" + std::string(text));
        };
        callbacks.on_close = [this](ConnectionId id) {
            std::lock_guard lock(observed_.mutex);
            observed_.closed.push_back(id);
            observed_.changed.notify_all();
        };
        endpoint_ = &server_->AddWebSocket("/ws", callbacks);
        server_->Start();
        port_ = server_->Port();
        return *endpoint_;
    }

    ConnectionId WaitOpened(std::size_t count) {
        EXPECT_TRUE(observed_.Wait([count](Observed& o) { return o.opened.size() >= count; }));
        std::lock_guard lock(observed_.mutex);
        return observed_.opened.empty() ? 0 : observed_.opened.back();
    }

    bool WaitClosed(ConnectionId id) {
        return observed_.Wait(
            [id](Observed& o) { return std::find(o.closed.begin(), o.closed.end(), id) != o.closed.end(); });
    }

    std::shared_ptr<prometheus::Registry> registry_;
    std::unique_ptr<HttpServer> server_;
    WebSocketEndpoint* endpoint_ = nullptr;
    Observed observed_;
    int port_ = 0;
};

TEST_F(WebSocketTest, RoundTripWithHeadersAndQueryOnOpen) {
    WebSocketEndpoint& endpoint = StartServer();
    WsClient client(port_, "/ws?topic=job%2D1", {.bearer_token = "good"});
    ASSERT_EQ(client.Status(), 101) << client.Response();
    const ConnectionId id = WaitOpened(1);
    {
        std::lock_guard lock(observed_.mutex);
        EXPECT_EQ(observed_.last_token, "Bearer good");
        EXPECT_EQ(observed_.last_query, "job-1");
    }
    EXPECT_EQ(endpoint.ConnectionCount(), 1U);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_websocket_connections", {{"path", "/ws"}}), 1.0);

    ASSERT_TRUE(client.SendText("hello"));
    std::optional<WsClient::Frame> frame = client.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, 0x1);
    EXPECT_EQ(frame->payload, "echo:hello");

    // Server-initiated push, large enough to need the 64-bit length form.
    const std::string big(70000, 'z');
    ASSERT_TRUE(endpoint.Send(id, big));
    frame = client.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, big);

    // A client close is answered and reported once.
    ASSERT_TRUE(client.SendClose(1000));
    frame = client.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->opcode, 0x8);
    EXPECT_EQ(frame->CloseCode(), 1000);
    ASSERT_TRUE(WaitClosed(id));
    EXPECT_EQ(endpoint.ConnectionCount(), 0U);
    EXPECT_FALSE(endpoint.Send(id, "after close"));
    EXPECT_EQ(MetricValue(*registry_, "cosmic_websocket_connections", {{"path", "/ws"}}), 0.0);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_websocket_messages_received_total", {{"path", "/ws"}}), 1.0);
}

TEST_F(WebSocketTest, FragmentedMessagesAreReassembled) {
    StartServer();
    WsClient client(port_, "/ws?token=good");
    ASSERT_EQ(client.Status(), 101);
    WaitOpened(1);
    ASSERT_TRUE(client.SendFrame(0x1, "hel", false));
    ASSERT_TRUE(client.SendFrame(0x0, "lo ", false));
    ASSERT_TRUE(client.SendFrame(0x0, "world", true));
    const std::optional<WsClient::Frame> frame = client.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, "echo:hello world");
}

TEST_F(WebSocketTest, OnOpenRejectionIsAnHttpErrorAndNoClose) {
    StartServer();
    WsClient client(port_, "/ws?token=bad");
    EXPECT_EQ(client.Status(), 403) << client.Response();
    EXPECT_NE(client.Response().find(R"("code":"forbidden")"), std::string::npos);
    EXPECT_EQ(MetricValue(*registry_, "cosmic_websocket_rejected_total", {{"path", "/ws"}, {"reason", "forbidden"}}),
              1.0);
    // The refused connection never counted as open.
    EXPECT_EQ(endpoint_->ConnectionCount(), 0U);
    std::lock_guard lock(observed_.mutex);
    EXPECT_TRUE(observed_.opened.empty());
    EXPECT_TRUE(observed_.closed.empty());
}

TEST_F(WebSocketTest, UnknownPathAndPlainGetAreRefused) {
    StartServer();
    WsClient unknown(port_, "/elsewhere");
    EXPECT_EQ(unknown.Status(), 404) << unknown.Response();
    WsClient below(port_, "/ws/deeper?token=good");
    EXPECT_EQ(below.Status(), 404) << below.Response();
    const cosmic::testing::HttpResponse plain = HttpCall("http://127.0.0.1:" + std::to_string(port_) + "/ws");
    EXPECT_EQ(plain.status, 426);
    EXPECT_EQ(plain.Header("Upgrade"), "websocket");
}

TEST_F(WebSocketTest, ConnectionLimitRefusesWith503) {
    HttpServerOptions options;
    options.max_websocket_connections = 1;
    StartServer(options);
    WsClient first(port_, "/ws?token=good");
    ASSERT_EQ(first.Status(), 101);
    WaitOpened(1);
    WsClient second(port_, "/ws?token=good");
    EXPECT_EQ(second.Status(), 503) << second.Response();
    // HTTP keeps working while the WebSocket slots are full.
    EXPECT_EQ(HttpCall("http://127.0.0.1:" + std::to_string(port_) + "/healthz").status, 200);
}

TEST_F(WebSocketTest, OversizedAndInvalidMessagesCloseTheConnection) {
    HttpServerOptions options;
    options.max_websocket_message_bytes = 1024;
    StartServer(options);
    {
        WsClient client(port_, "/ws?token=good");
        ASSERT_EQ(client.Status(), 101);
        const ConnectionId id = WaitOpened(1);
        ASSERT_TRUE(client.SendText(std::string(2048, 'a')));
        const std::optional<WsClient::Frame> frame = client.ReadUntilClose();
        ASSERT_TRUE(frame);
        EXPECT_EQ(frame->CloseCode(), 1009);
        EXPECT_TRUE(WaitClosed(id));
    }
    {
        WsClient client(port_, "/ws?token=good");
        ASSERT_EQ(client.Status(), 101);
        const ConnectionId id = WaitOpened(2);
        ASSERT_TRUE(client.SendText("bad \xff utf-8"));
        const std::optional<WsClient::Frame> frame = client.ReadUntilClose();
        ASSERT_TRUE(frame);
        EXPECT_EQ(frame->CloseCode(), 1007);
        EXPECT_TRUE(WaitClosed(id));
    }
    std::lock_guard lock(observed_.mutex);
    EXPECT_TRUE(observed_.messages.empty());
}

TEST_F(WebSocketTest, ServerCloseSendsQueuedFramesThenClose) {
    WebSocketEndpoint& endpoint = StartServer();
    WsClient client(port_, "/ws?token=good");
    ASSERT_EQ(client.Status(), 101);
    const ConnectionId id = WaitOpened(1);
    ASSERT_TRUE(endpoint.Send(id, "last words"));
    ASSERT_TRUE(endpoint.Close(id));
    EXPECT_FALSE(endpoint.Send(id, "too late"));
    EXPECT_FALSE(endpoint.Close(id));
    std::optional<WsClient::Frame> frame = client.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, "last words");
    frame = client.ReadUntilClose();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->CloseCode(), 1000);
    EXPECT_TRUE(WaitClosed(id));
}

TEST_F(WebSocketTest, SlowClientIsDroppedWithoutBlockingSendOrOthers) {
    HttpServerOptions options;
    options.websocket_queue_messages = 4;
    WebSocketEndpoint& endpoint = StartServer(options);

    // The slow client shrinks its receive window and then never reads.
    WsClient slow(port_, "/ws?token=good", {.receive_buffer = 4096});
    ASSERT_EQ(slow.Status(), 101);
    const ConnectionId slow_id = WaitOpened(1);
    WsClient fast(port_, "/ws?token=good");
    ASSERT_EQ(fast.Status(), 101);
    const ConnectionId fast_id = WaitOpened(2);

    // Every call returns at once; once the socket buffers and the queue are full, Send reports
    // the drop. The bound only keeps a broken implementation from looping forever.
    const std::string chunk(64 * 1024, 'q');
    int accepted = 0;
    bool dropped = false;
    for (int i = 0; i < 100000 && !dropped; ++i) {
        if (endpoint.Send(slow_id, chunk)) {
            ++accepted;
        } else {
            dropped = true;
        }
    }
    ASSERT_TRUE(dropped) << "queue never filled after " << accepted << " messages";
    EXPECT_FALSE(endpoint.Send(slow_id, "more"));
    ASSERT_TRUE(WaitClosed(slow_id));
    EXPECT_EQ(MetricValue(*registry_, "cosmic_websocket_dropped_total", {{"path", "/ws"}}), 1.0);

    // The other connection is unaffected.
    ASSERT_TRUE(endpoint.Send(fast_id, "still here"));
    const std::optional<WsClient::Frame> frame = fast.ReadFrame();
    ASSERT_TRUE(frame);
    EXPECT_EQ(frame->payload, "still here");
    EXPECT_EQ(endpoint.ConnectionCount(), 1U);

    // The dropped client's socket ends (after whatever was already in flight).
    while (std::optional<WsClient::Frame> rest = slow.ReadFrame()) {
        EXPECT_NE(rest->opcode, 0x8) << "a dropped client gets no close handshake";
    }
}

TEST_F(WebSocketTest, StopClosesConnectionsWithGoingAway) {
    HttpServerOptions options;
    options.websocket_close_timeout = std::chrono::milliseconds(300);
    WebSocketEndpoint& endpoint = StartServer(options);
    WsClient first(port_, "/ws?token=good");
    WsClient second(port_, "/ws?token=good");
    ASSERT_EQ(first.Status(), 101);
    ASSERT_EQ(second.Status(), 101);
    WaitOpened(2);
    // The client answers the close handshake on its own thread while Stop() waits for it.
    std::optional<WsClient::Frame> first_close;
    std::thread reader([&] { first_close = first.ReadUntilClose(); });
    server_->Stop();
    reader.join();
    ASSERT_TRUE(first_close);
    EXPECT_EQ(first_close->CloseCode(), 1001);
    // The second client never answered; Stop() still ended its connection.
    const std::optional<WsClient::Frame> second_close = second.ReadFrame();
    ASSERT_TRUE(second_close);
    EXPECT_EQ(second_close->CloseCode(), 1001);
    EXPECT_FALSE(second.ReadFrame());
    EXPECT_EQ(endpoint.ConnectionCount(), 0U);
    std::lock_guard lock(observed_.mutex);
    EXPECT_EQ(observed_.closed.size(), 2U);
}

TEST_F(WebSocketTest, ManyClientsConcurrently) {
    WebSocketEndpoint& endpoint = StartServer();
    constexpr int kClients = 8;
    constexpr int kMessages = 50;
    std::vector<std::thread> threads;
    std::atomic<int> echoed{0};
    for (int c = 0; c < kClients; ++c) {
        threads.emplace_back([&, c] {
            WsClient client(port_, "/ws?token=good");
            if (client.Status() != 101) {
                return;
            }
            for (int m = 0; m < kMessages; ++m) {
                const std::string text = std::to_string(c) + "-" + std::to_string(m);
                if (!client.SendText(text)) {
                    return;
                }
                const std::optional<WsClient::Frame> frame = client.ReadFrame();
                if (frame && frame->payload == "echo:" + text) {
                    ++echoed;
                }
            }
            client.SendClose(1000);
            client.ReadUntilClose();
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(echoed.load(), kClients * kMessages);
    EXPECT_TRUE(WaitUntil([&] { return endpoint.ConnectionCount() == 0; }));
}

}  // namespace
}  // namespace cosmic::telemetry
