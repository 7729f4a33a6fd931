#pragma once
/// The HTTP server's private state, shared by http_server.cpp (routing, serving, lifecycle) and
/// civet_hooks.cpp (civetweb's per-connection callbacks: the connection guard, framing checks,
/// JSON bodies for civetweb's own errors).

#include <civetweb.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "connection_guard.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "http_metrics.hpp"
#include "process_metrics.hpp"
#include "router.hpp"
#include "websocket_endpoint.hpp"

namespace cosmic::telemetry {

struct HttpServer::Impl {
    struct RouteEntry {
        HttpHandler handler;
        detail::HttpMetrics::RouteSeries* series = nullptr;
    };

    Impl(HttpServerOptions server_options, std::shared_ptr<prometheus::Registry> metrics_registry)
        : options(std::move(server_options)),
          registry(std::move(metrics_registry)),
          metrics(*registry),
          process(*registry),
          websocket_shared(options) {}

    int Serve(mg_connection* conn);
    HttpResponse Invoke(const RouteEntry& entry, const HttpRequest& request, std::size_t route);
    bool IsWebSocketPath(std::string_view path) const;
    HttpResponse MetricsResponse();
    HttpResponse ReadinessResponse();

    static int HandleRequest(mg_connection* conn, void* data);
    static Impl* Of(const mg_connection* conn);
    static int InitConnection(const mg_connection* conn, void** conn_data);
    static std::optional<detail::ConnectionGuard::Peer> PeerOf(const void* key);
    static int BeginRequest(mg_connection* conn);
    static void EndRequest(const mg_connection* conn, int status);
    static int HttpError(mg_connection* conn, int status, const char* message);
    static void ConnectionClose(const mg_connection* conn);
    /// Writes an error response of civetweb's or the guard's making and closes the connection.
    void Reject(mg_connection* conn, const HttpResponse& response);
    /// The response for a connection the guard cut; nullopt when it was not cut.
    std::optional<HttpResponse> CutResponse(const mg_connection* conn) const;
    static int RejectUnknownWebSocket(const mg_connection* conn, void* data);
    static int WebSocketConnect(const mg_connection* conn, void* data);
    static void WebSocketReady(mg_connection* conn, void* data);
    static int WebSocketData(mg_connection* conn, int bits, char* payload, std::size_t length, void* data);
    static void WebSocketClose(const mg_connection* conn, void* data);

    HttpServerOptions options;
    std::shared_ptr<prometheus::Registry> registry;
    detail::HttpMetrics metrics;
    detail::ProcessMetrics process;
    detail::Router router;
    std::vector<RouteEntry> routes;

    std::mutex readiness_mutex;
    std::vector<std::pair<std::string, ReadinessCheck>> readiness_checks;

    detail::WebSocketShared websocket_shared;
    std::vector<std::unique_ptr<detail::WebSocketEndpointImpl>> websockets;

    mutable std::mutex lifecycle_mutex;
    mg_context* context = nullptr;
    bool started = false;
    bool stopped = false;
    int port = 0;

    RateLimiter error_limiter;
    std::unique_ptr<detail::ConnectionGuard> guard;  ///< from Start() until after civetweb stopped
};

}  // namespace cosmic::telemetry
