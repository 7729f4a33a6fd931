#include "cosmic/testing/websocket_client.hpp"

#include <cstring>
#include <random>
#include <stdexcept>

namespace cosmic::testing {
namespace {

using Clock = std::chrono::steady_clock;

/// Parses one frame from the front of `data`; nullopt while it is incomplete. `used` is set to
/// its length on the wire.
std::optional<WebSocketClient::Frame> ParseFrame(std::string_view data, std::size_t& used) {
    if (data.size() < 2) {
        return std::nullopt;
    }
    const auto b0 = static_cast<unsigned char>(data[0]);
    const auto b1 = static_cast<unsigned char>(data[1]);
    std::size_t offset = 2;
    std::uint64_t length = b1 & 0x7FU;
    if (length == 126 || length == 127) {
        const std::size_t extended = length == 126 ? 2 : 8;
        if (data.size() < offset + extended) {
            return std::nullopt;
        }
        length = 0;
        for (std::size_t i = 0; i < extended; ++i) {
            length = (length << 8U) | static_cast<unsigned char>(data[offset + i]);
        }
        offset += extended;
    }
    const bool masked = (b1 & 0x80U) != 0;  // servers do not mask; tolerated all the same
    char mask[4] = {0, 0, 0, 0};
    if (masked) {
        if (data.size() < offset + 4) {
            return std::nullopt;
        }
        std::memcpy(mask, data.data() + offset, 4);
        offset += 4;
    }
    if (data.size() - offset < length) {
        return std::nullopt;
    }
    WebSocketClient::Frame frame;
    frame.fin = (b0 & 0x80U) != 0;
    frame.opcode = b0 & 0x0FU;
    frame.payload.assign(data.substr(offset, static_cast<std::size_t>(length)));
    if (masked) {
        for (std::size_t i = 0; i < frame.payload.size(); ++i) {
            frame.payload[i] = static_cast<char>(frame.payload[i] ^ mask[i % 4]);
        }
    }
    used = offset + static_cast<std::size_t>(length);
    return frame;
}

}  // namespace

std::uint16_t WebSocketClient::Frame::CloseCode() const {
    if (opcode != kClose || payload.size() < 2) {
        return 0;
    }
    return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8U) |
                                      static_cast<unsigned char>(payload[1]));
}

WebSocketClient::WebSocketClient(int port, const std::string& target, const WebSocketOptions& options)
    : socket_(port, options.receive_buffer) {
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!options.bearer_token.empty()) {
        request += "Authorization: Bearer " + options.bearer_token + "\r\n";
    }
    for (const std::string& header : options.headers) {
        request += header + "\r\n";
    }
    request += "\r\n";
    if (!socket_.SendAll(request)) {
        throw std::runtime_error("cannot send the WebSocket upgrade request");
    }
    // A 101 has no body (frames may follow it at once and stay buffered); a refusal carries
    // Content-Length.
    response_ = socket_.ReadHttpResponse(options.timeout);
    if (response_.size() > 12 && response_.rfind("HTTP/", 0) == 0) {
        status_ = std::stoi(response_.substr(9, 3));
    }
}

bool WebSocketClient::SendFrame(int opcode, std::string_view payload, bool fin) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::string frame;
    frame.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
    const std::size_t n = payload.size();
    // Client frames are masked (RFC 6455 §5.3).
    if (n < 126) {
        frame.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        frame.push_back(static_cast<char>(0x80 | 126));
        frame.push_back(static_cast<char>(n >> 8U));
        frame.push_back(static_cast<char>(n & 0xFFU));
    } else {
        frame.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> static_cast<unsigned>(shift)) & 0xFFU));
        }
    }
    const std::uint32_t mask_bits = rng();
    char mask[4];
    std::memcpy(mask, &mask_bits, 4);
    frame.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) {
        frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    }
    return socket_.SendAll(frame);
}

bool WebSocketClient::SendClose(std::uint16_t code) {
    const char payload[2] = {static_cast<char>(code >> 8U), static_cast<char>(code & 0xFFU)};
    return SendFrame(kClose, std::string_view(payload, 2));
}

std::optional<WebSocketClient::Frame> WebSocketClient::ReadFrame(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        std::size_t used = 0;
        if (std::optional<Frame> frame = ParseFrame(socket_.Buffered(), used)) {
            socket_.Consume(used);
            return frame;
        }
        if (!socket_.ReceiveMore(deadline)) {
            return std::nullopt;
        }
    }
}

std::optional<std::string> WebSocketClient::ReadText(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        std::optional<Frame> frame = ReadFrame(std::max(left, std::chrono::milliseconds(0)));
        if (!frame || frame->opcode == kClose) {
            return std::nullopt;
        }
        if (frame->opcode == kText) {
            return std::move(frame->payload);
        }
        if (frame->opcode == kPing) {
            SendFrame(kPong, frame->payload);
        }
    }
}

std::optional<WebSocketClient::Frame> WebSocketClient::ReadUntilClose(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        std::optional<Frame> frame = ReadFrame(std::max(left, std::chrono::milliseconds(0)));
        if (!frame) {
            return std::nullopt;
        }
        if (frame->opcode == kClose) {
            SendClose(frame->CloseCode() != 0 ? frame->CloseCode() : 1000);
            return frame;
        }
    }
}

bool WebSocketClient::Close(std::uint16_t code, std::chrono::milliseconds timeout) {
    if (!SendClose(code)) {
        return false;
    }
    const auto deadline = Clock::now() + timeout;
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        std::optional<Frame> frame = ReadFrame(std::max(left, std::chrono::milliseconds(0)));
        if (!frame) {
            return false;
        }
        if (frame->opcode == kClose) {
            return true;
        }
    }
}

}  // namespace cosmic::testing
