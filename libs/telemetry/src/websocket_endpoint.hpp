#pragma once
/// One WebSocket path on the civetweb server: connection registry, per-connection bounded send
/// queue drained by a writer thread, close handshake and forced drop.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/telemetry/logging.hpp"

struct mg_connection;

namespace cosmic::telemetry::detail {

/// State shared by all endpoints of one server.
struct WebSocketShared {
    explicit WebSocketShared(const HttpServerOptions& server_options) : options(server_options) {}
    const HttpServerOptions& options;
    std::atomic<std::size_t> open_slots{0};  ///< connections holding a civetweb thread
    std::atomic<bool> stopping{false};
    RateLimiter log_limiter;
};

class WebSocketEndpointImpl final : public WebSocketEndpoint {
  public:
    WebSocketEndpointImpl(std::string path, Callbacks callbacks, WebSocketShared& shared,
                          prometheus::Registry& registry);
    ~WebSocketEndpointImpl() override;

    bool Send(ConnectionId id, std::string text) override;
    bool Close(ConnectionId id) override;
    std::size_t ConnectionCount() const override;

    const std::string& path() const { return path_; }

    // civetweb callbacks, on the worker thread that owns the connection.
    int OnConnect(const mg_connection* conn);
    void OnReady(mg_connection* conn);
    int OnData(mg_connection* conn, int bits, char* data, std::size_t length);
    void OnClose(const mg_connection* conn);
    /// civetweb's connection_close, for every connection: finishes a WebSocket whose handshake
    /// failed after OnConnect accepted it (civetweb then calls neither ready nor close).
    static void OnConnectionClosed(const mg_connection* conn);

    /// Stop(), step 1: refuse new connections and queue a close frame (1001) on every connection.
    void BeginShutdown();
    /// Stop(), step 2: wait until every connection has finished or the deadline passes.
    void WaitIdle(std::chrono::steady_clock::time_point deadline);
    /// Stop(), step 3: shut down the sockets of connections that did not finish the handshake.
    void ForceCloseAll();

  private:
    struct Connection;

    void Writer(Connection& connection);
    void Finalize(Connection& connection);
    /// Sends a close frame from the worker thread unless one was already sent; returns 0 so a
    /// data callback can end the read loop with its result.
    int CloseFromWorker(Connection& connection, std::uint16_t code, std::string_view reason);
    void Reject(const mg_connection* conn, int status, std::string_view code, std::string_view message,
                prometheus::Counter& counter);
    std::shared_ptr<Connection> Find(ConnectionId id) const;

    const std::string path_;
    const Callbacks callbacks_;
    WebSocketShared& shared_;

    mutable std::mutex mutex_;
    std::condition_variable idle_;
    std::unordered_map<ConnectionId, std::shared_ptr<Connection>> connections_;

    prometheus::Gauge& connections_gauge_;
    prometheus::Counter& dropped_;
    prometheus::Counter& sent_;
    prometheus::Counter& received_;
    prometheus::Counter& rejected_forbidden_;
    prometheus::Counter& rejected_capacity_;
    prometheus::Counter& rejected_shutting_down_;
    prometheus::Counter& rejected_error_;
};

}  // namespace cosmic::telemetry::detail
