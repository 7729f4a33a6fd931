#pragma once
/// One civetweb HTTP server per process: /metrics, /healthz, /readyz, JSON routes registered
/// by the service, and WebSocket endpoints with bounded per-connection send queues.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prometheus {
class Registry;
}

namespace cosmic::telemetry {

struct HttpRequest {
    std::string method;
    std::string path;   ///< without the query string
    std::string query;  ///< raw query string, without '?'
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;      ///< names as sent
    std::vector<std::pair<std::string, std::string>> path_params;  ///< from "{name}" segments
    std::string remote_addr;

    /// Case-insensitive header lookup.
    std::optional<std::string_view> Header(std::string_view name) const;
    /// URL-decoded query parameter (first occurrence).
    std::optional<std::string> Query(std::string_view name) const;
    /// Path parameter by name ("id" for "/api/v1/jobs/{id}"); empty when absent.
    std::string_view Param(std::string_view name) const;
};

struct HttpResponse {
    int status = 200;
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;

    static HttpResponse Json(int status, std::string body);
    static HttpResponse Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
    /// {"error": {"code": code, "message": message}} with correct JSON escaping.
    static HttpResponse Error(int status, std::string_view code, std::string_view message);
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

/// A readiness check: returns true when ready; `detail` explains (shown in /readyz JSON).
using ReadinessCheck = std::function<bool(std::string& detail)>;

struct HttpServerOptions {
    std::string bind_address = "0.0.0.0";
    int port = 0;                                 ///< 0 = any free port
    std::size_t max_request_bytes = 1024 * 1024;  ///< larger bodies get 413
    /// Request bodies must be Content-Type: application/json (415 otherwise, before reading).
    bool require_json_bodies = true;
    int threads = 4;                             ///< HTTP worker threads (WebSockets get their own)
    std::size_t websocket_queue_messages = 256;  ///< per connection; a full queue drops the client
    /// civetweb keeps one thread per open WebSocket, so they are capped: beyond this, upgrades get 503.
    std::size_t max_websocket_connections = 64;
    /// Incoming WebSocket messages larger than this close the connection (status 1009).
    std::size_t max_websocket_message_bytes = 64 * 1024;
    /// The longest a single read or write waits for the client (civetweb's own timeout).
    std::chrono::milliseconds request_timeout{10000};
    /// The request line and headers must all arrive within this time of the connection opening
    /// (or of the previous response on a kept-alive connection); later, the connection is closed
    /// (408 when part of a request arrived).
    std::chrono::milliseconds header_timeout{10000};
    /// The whole body must arrive within this time of the headers; later, 408 and close.
    std::chrono::milliseconds body_timeout{10000};
    /// Open connections per client address. Beyond it, the client's oldest connection that is
    /// waiting on the client (headers, body or idle keep-alive) is closed to make room, or the
    /// new one (503) when all of them are being served. Also, when the server is one thread
    /// short of full, the oldest such connection of any client is closed, so a new request
    /// (a health probe) always finds a thread.
    std::size_t max_connections_per_client = 16;
    /// Idle WebSockets are pinged this often; a client that misses 6 pings in a row is closed.
    std::chrono::milliseconds websocket_ping_interval{30000};
    /// Stop() waits this long for clients to answer the WebSocket close handshake.
    std::chrono::milliseconds websocket_close_timeout{2000};
};

/// A WebSocket endpoint. Connections are identified by a process-unique id.
/// Callbacks run on the server thread that owns the connection (one at a time per connection)
/// and hold that thread, so they should be quick; Send() and Close() may be called from them.
class WebSocketEndpoint {
  public:
    using ConnectionId = std::uint64_t;
    struct Callbacks {
        /// Called on upgrade, before the handshake, with the request's headers and query; return
        /// false to reject (e.g. auth failed): the client gets 403 and on_close is not called.
        std::function<bool(ConnectionId, const HttpRequest&)> on_open;
        /// A complete (reassembled) UTF-8 text message.
        std::function<void(ConnectionId, std::string_view text)> on_message;
        /// Once per accepted connection, however it ended (client close, drop, Stop()).
        std::function<void(ConnectionId)> on_close;
    };
    virtual ~WebSocketEndpoint() = default;
    /// Queues a text frame; never blocks. Returns false when the connection is gone or its
    /// queue was full (the connection is then closed and counted as dropped).
    virtual bool Send(ConnectionId id, std::string text) = 0;
    /// Starts a clean close (status 1000) after the frames already queued; never blocks.
    /// Returns false when the connection is already gone or closing. Not pure, so test doubles
    /// written before it existed still compile; the server's endpoints implement it.
    virtual bool Close(ConnectionId /*id*/) { return false; }
    virtual std::size_t ConnectionCount() const = 0;
};

class HttpServer {
  public:
    HttpServer(HttpServerOptions options, std::shared_ptr<prometheus::Registry> registry);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    /// Registers a route before Start(). Pattern segments "{name}" match one path segment.
    /// A path that matches with another method gets 405; no match gets 404.
    void Route(std::string_view method, std::string_view pattern, HttpHandler handler);
    void AddReadinessCheck(std::string name, ReadinessCheck check);
    WebSocketEndpoint& AddWebSocket(std::string_view path, WebSocketEndpoint::Callbacks callbacks);

    /// Binds and starts serving; throws std::runtime_error naming the address on failure.
    /// Route() and AddWebSocket() must come before Start() (std::logic_error); readiness checks
    /// may be added at any time.
    void Start();
    /// Closes WebSocket connections (close handshake, 1001) and stops serving; waits for
    /// in-flight requests. Idempotent; not to be called from a handler. The destructor calls it.
    void Stop();
    /// The bound port (after Start()).
    int Port() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cosmic::telemetry
