#pragma once
/// A minimal RFC 6455 client for tests: the upgrade request (with a bearer token or extra
/// headers; a query token goes in the target), masked frames out, server frames in, each read
/// bounded by a deadline, and the close handshake.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/testing/raw_socket.hpp"

namespace cosmic::testing {

struct WebSocketOptions {
    std::string bearer_token{};                               ///< "Authorization: Bearer <token>" when non-empty
    std::vector<std::string> headers{};                       ///< extra "Name: value" lines in the upgrade request
    int receive_buffer = 0;                                   ///< > 0: a small SO_RCVBUF (a slow reader)
    std::chrono::milliseconds timeout = kDefaultReadTimeout;  ///< for the upgrade response
};

class WebSocketClient {
  public:
    static constexpr int kContinuation = 0x0;
    static constexpr int kText = 0x1;
    static constexpr int kBinary = 0x2;
    static constexpr int kClose = 0x8;
    static constexpr int kPing = 0x9;
    static constexpr int kPong = 0xA;

    struct Frame {
        int opcode = 0;
        bool fin = true;
        std::string payload;
        /// Status code of a close frame (0 when none).
        std::uint16_t CloseCode() const;
    };

    /// Connects to 127.0.0.1:`port` and sends the upgrade request for `target` (path and optional
    /// "?query"). Throws std::runtime_error when the connection fails; a refused upgrade is not
    /// an error: see Status().
    WebSocketClient(int port, const std::string& target, const WebSocketOptions& options = {});

    /// HTTP status of the upgrade response (101 when accepted; 0 when none arrived) and the whole
    /// response text.
    int Status() const { return status_; }
    const std::string& Response() const { return response_; }

    bool SendFrame(int opcode, std::string_view payload, bool fin = true);
    bool SendText(std::string_view text) { return SendFrame(kText, text); }
    bool SendClose(std::uint16_t code = 1000);

    /// The next frame as it came; nullopt when the server closed the connection or `timeout`
    /// passed first (a partly received frame stays buffered).
    std::optional<Frame> ReadFrame(std::chrono::milliseconds timeout = kDefaultReadTimeout);
    /// The payload of the next text frame; answers pings and skips other frames; nullopt on a
    /// close frame, EOF or when `timeout` passes first.
    std::optional<std::string> ReadText(std::chrono::milliseconds timeout = kDefaultReadTimeout);
    /// Reads until the server's close frame (answering it) or EOF; the close frame if any.
    std::optional<Frame> ReadUntilClose(std::chrono::milliseconds timeout = kDefaultReadTimeout);
    /// The client-initiated close handshake: sends a close frame with `code` and waits for the
    /// server's; true when it arrived.
    bool Close(std::uint16_t code = 1000, std::chrono::milliseconds timeout = kDefaultReadTimeout);

    RawSocket& Socket() { return socket_; }

  private:
    RawSocket socket_;
    int status_ = 0;
    std::string response_;
};

}  // namespace cosmic::testing
