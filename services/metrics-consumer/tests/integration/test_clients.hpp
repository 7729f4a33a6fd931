#pragma once
// Clients for the integration tests: HTTP over libcurl, and a minimal RFC 6455 WebSocket
// client (curl in Debian 12 is built without WebSocket support).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cosmic::metrics::testing {

struct HttpResult {
    long status = 0;
    std::string body;
};

/// GET http://127.0.0.1:<port><target> with an optional bearer token; throws std::runtime_error
/// when no response arrives.
HttpResult HttpGet(int port, const std::string& target, const std::string& token = {});

class WsClient {
  public:
    /// Connects to 127.0.0.1:port and upgrades `target` (path + optional "?query").
    WsClient(int port, const std::string& target, const std::string& token = {});
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;

    /// HTTP status of the upgrade response (101 when accepted).
    int Status() const { return status_; }
    bool SendText(std::string_view text);
    /// The payload of the next text frame, answering pings; nullopt on close, EOF or when
    /// `timeout` passes first.
    std::optional<std::string> ReadText(std::chrono::milliseconds timeout);

  private:
    bool SendAll(std::string_view data);
    /// Reads exactly n bytes before `deadline`.
    std::optional<std::string> Read(std::size_t n, std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    int status_ = 0;
    std::string pending_;
};

}  // namespace cosmic::metrics::testing
