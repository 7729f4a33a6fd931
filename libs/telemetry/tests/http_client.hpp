#pragma once
/// Test clients: libcurl for HTTP, a raw socket for what curl cannot do (WebSocket, bodies
/// that are announced but never sent).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cosmic::telemetry::testing {

struct HttpResult {
    long status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    /// Case-insensitive; empty when absent.
    std::string Header(std::string_view name) const;
};

struct HttpCallOptions {
    std::string method = "GET";
    std::string body;
    std::vector<std::string> headers;  ///< "Name: value"
    bool chunked = false;              ///< send `body` with Transfer-Encoding: chunked
};

/// One request with libcurl; throws std::runtime_error when no response arrives.
HttpResult HttpCall(const std::string& url, const HttpCallOptions& options = {});

/// A connected TCP socket to 127.0.0.1:port; closes on destruction.
class RawSocket {
  public:
    /// `receive_buffer` > 0 shrinks SO_RCVBUF before connecting (a slow reader).
    explicit RawSocket(int port, int receive_buffer = 0);
    ~RawSocket();
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    /// Sends everything; false when the peer closed.
    bool SendAll(std::string_view data);
    /// Reads until "\r\n\r\n" plus Content-Length bytes (or EOF); the raw response text.
    std::string ReadHttpResponse();
    /// Reads exactly n bytes; nullopt on EOF/error.
    std::optional<std::string> ReadExactly(std::size_t n);
    int fd() const { return fd_; }

  private:
    int fd_ = -1;
    std::string pending_;  ///< bytes read past the last message
    friend class WsClient;
};

/// Minimal RFC 6455 client: handshake, masked frames, reading server frames.
class WsClient {
  public:
    struct Frame {
        int opcode = 0;
        bool fin = true;
        std::string payload;
        /// Status code of a close frame (0 when none).
        std::uint16_t CloseCode() const;
    };

    /// Connects and sends the upgrade request for `target` (path + optional "?query").
    WsClient(int port, const std::string& target, const std::vector<std::string>& headers = {}, int receive_buffer = 0);

    /// HTTP status of the upgrade response (101 on success) and the whole response text.
    int status() const { return status_; }
    const std::string& response() const { return response_; }

    bool SendFrame(int opcode, std::string_view payload, bool fin = true);
    bool SendText(std::string_view text) { return SendFrame(0x1, text); }
    bool SendClose(std::uint16_t code);
    /// The next frame; nullopt when the server closed the TCP connection.
    std::optional<Frame> ReadFrame();
    /// Reads until the server's close frame (answering it) or EOF; the close frame if any.
    std::optional<Frame> ReadUntilClose();

    RawSocket& socket() { return socket_; }

  private:
    RawSocket socket_;
    int status_ = 0;
    std::string response_;
};

}  // namespace cosmic::telemetry::testing
