#include "cosmic/testing/websocket_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <future>
#include <string>

#include "fake_server.hpp"

namespace cosmic::testing {
namespace {

using ::testing::HasSubstr;
using Frame = WebSocketClient::Frame;

constexpr const char* kSwitching =
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";

/// An unmasked server frame.
std::string ServerFrame(int opcode, std::string_view payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    if (payload.size() < 126) {
        frame.push_back(static_cast<char>(payload.size()));
    } else {
        frame.push_back(static_cast<char>(126));
        frame.push_back(static_cast<char>(payload.size() >> 8U));
        frame.push_back(static_cast<char>(payload.size() & 0xFFU));
    }
    frame.append(payload);
    return frame;
}

/// Reads one client frame; checks that it is masked and unmasks it.
std::optional<Frame> ReadClientFrame(int fd) {
    const auto head = ReadBytes(fd, 2);
    if (!head) {
        return std::nullopt;
    }
    Frame frame;
    frame.opcode = static_cast<unsigned char>((*head)[0]) & 0x0FU;
    EXPECT_NE(static_cast<unsigned char>((*head)[1]) & 0x80U, 0U) << "client frames are masked";
    std::size_t length = static_cast<unsigned char>((*head)[1]) & 0x7FU;
    if (length == 126) {
        const std::string extended = ReadBytes(fd, 2).value_or("\0\0");
        length = (static_cast<unsigned char>(extended[0]) << 8U) | static_cast<unsigned char>(extended[1]);
    }
    const std::string mask = ReadBytes(fd, 4).value_or("");
    frame.payload = ReadBytes(fd, length).value_or("");
    for (std::size_t i = 0; i < frame.payload.size() && mask.size() == 4; ++i) {
        frame.payload[i] = static_cast<char>(frame.payload[i] ^ mask[i % 4]);
    }
    return frame;
}

TEST(WebSocketClientTest, UpgradesWithTokenExchangesTextAndCloses) {
    std::promise<std::string> upgrade;
    std::promise<std::string> pong;
    FakeServer server([&](int fd) {
        upgrade.set_value(ReadRequest(fd));
        // Frames right behind the 101, in the same segment: the client must keep them.
        SendBytes(fd, std::string(kSwitching) + ServerFrame(WebSocketClient::kPing, "p") +
                          ServerFrame(WebSocketClient::kText, "hello"));
        pong.set_value(ReadClientFrame(fd).value_or(Frame{}).payload);
        const std::optional<Frame> text = ReadClientFrame(fd);
        SendBytes(fd, ServerFrame(WebSocketClient::kText, "echo:" + text.value_or(Frame{}).payload));
        const std::optional<Frame> close = ReadClientFrame(fd);
        if (close && close->opcode == WebSocketClient::kClose) {
            SendBytes(fd, ServerFrame(WebSocketClient::kClose, close->payload));
        }
    });

    WebSocketClient client(server.Port(), "/ws/metrics?job=j-1", {.bearer_token = "tok", .headers = {"X-A: b"}});
    EXPECT_EQ(client.Status(), 101);
    const std::string request = upgrade.get_future().get();
    EXPECT_THAT(request, ::testing::StartsWith("GET /ws/metrics?job=j-1 HTTP/1.1\r\n"));
    EXPECT_THAT(request, HasSubstr("Upgrade: websocket\r\n"));
    EXPECT_THAT(request, HasSubstr("Authorization: Bearer tok\r\n"));
    EXPECT_THAT(request, HasSubstr("X-A: b\r\n"));

    EXPECT_EQ(client.ReadText(std::chrono::seconds(10)), "hello");  // the ping before it is answered
    EXPECT_EQ(pong.get_future().get(), "p");
    const std::string big(300, 'z');  // a 16-bit length
    ASSERT_TRUE(client.SendText(big));
    EXPECT_EQ(client.ReadText(std::chrono::seconds(10)), "echo:" + big);
    EXPECT_TRUE(client.Close(1000, std::chrono::seconds(10)));
}

TEST(WebSocketClientTest, ReadStopsAtTheDeadlineAndKeepsAPartialFrame) {
    std::promise<void> first_half_sent;
    std::promise<void> client_timed_out;
    FakeServer server([&](int fd) {
        ReadRequest(fd);
        const std::string frame = ServerFrame(WebSocketClient::kText, "split frame");
        SendBytes(fd, std::string(kSwitching) + frame.substr(0, 5));
        first_half_sent.set_value();
        client_timed_out.get_future().wait_for(std::chrono::seconds(30));
        SendBytes(fd, frame.substr(5));
        ReadBytes(fd, 1);  // until the client goes away
    });
    WebSocketClient client(server.Port(), "/ws");
    ASSERT_EQ(client.Status(), 101);
    first_half_sent.get_future().wait();
    EXPECT_FALSE(client.ReadFrame(std::chrono::milliseconds(50)).has_value());
    EXPECT_FALSE(client.ReadText(std::chrono::milliseconds(0)).has_value());
    client_timed_out.set_value();
    const std::optional<Frame> frame = client.ReadFrame(std::chrono::seconds(10));
    ASSERT_TRUE(frame.has_value());
    EXPECT_EQ(frame->opcode, WebSocketClient::kText);
    EXPECT_TRUE(frame->fin);
    EXPECT_EQ(frame->payload, "split frame");
}

TEST(WebSocketClientTest, RefusedUpgradeReportsTheStatus) {
    FakeServer server([](int fd) {
        ReadRequest(fd);
        SendBytes(fd, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 7\r\n\r\nno auth");
    });
    WebSocketClient client(server.Port(), "/ws?token=bad");
    EXPECT_EQ(client.Status(), 401);
    EXPECT_THAT(client.Response(), HasSubstr("no auth"));
    EXPECT_FALSE(client.ReadFrame(std::chrono::seconds(10)).has_value());  // the server hung up
}

TEST(WebSocketClientTest, ServerCloseIsAnsweredWithItsCode) {
    std::promise<std::uint16_t> answered;
    FakeServer server([&](int fd) {
        ReadRequest(fd);
        SendBytes(fd, std::string(kSwitching) + ServerFrame(WebSocketClient::kText, "bye") +
                          ServerFrame(WebSocketClient::kClose, std::string("\x03\xe9", 2)));
        answered.set_value(ReadClientFrame(fd).value_or(Frame{}).CloseCode());
    });
    WebSocketClient client(server.Port(), "/ws");
    const std::optional<Frame> close = client.ReadUntilClose(std::chrono::seconds(10));
    ASSERT_TRUE(close.has_value());
    EXPECT_EQ(close->CloseCode(), 1001);
    EXPECT_EQ(answered.get_future().get(), 1001);
}

TEST(WebSocketClientTest, NothingListeningThrows) {
    int port = 0;
    {
        FakeServer gone([](int) {});
        port = gone.Port();
    }
    EXPECT_THROW(WebSocketClient(port, "/ws"), std::runtime_error);
}

}  // namespace
}  // namespace cosmic::testing
