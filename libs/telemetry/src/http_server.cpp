#include "cosmic/telemetry/http_server.hpp"

#include <civetweb.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <array>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "civet_glue.hpp"
#include "connection_guard.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "http_server_impl.hpp"
#include "json_text.hpp"

namespace cosmic::telemetry {
namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";

/// Counts a request in cosmic_http_requests_in_flight for its whole life, however it ends.
class InFlight {
  public:
    explicit InFlight(prometheus::Gauge& gauge) : gauge_(gauge) { gauge_.Increment(); }
    ~InFlight() { gauge_.Decrement(); }
    InFlight(const InFlight&) = delete;
    InFlight& operator=(const InFlight&) = delete;

  private:
    prometheus::Gauge& gauge_;
};

/// "application/json", in any case, with or without parameters ("; charset=utf-8").
bool IsJsonMediaType(const char* header) {
    if (header == nullptr) {
        return false;
    }
    std::string_view type(header);
    type = type.substr(0, type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.remove_suffix(1);
    }
    while (!type.empty() && (type.front() == ' ' || type.front() == '\t')) {
        type.remove_prefix(1);
    }
    constexpr std::string_view kJson = "application/json";
    return type.size() == kJson.size() && strncasecmp(type.data(), kJson.data(), kJson.size()) == 0;
}

int LogCivetMessage(const mg_connection* /*conn*/, const char* message) {
    static RateLimiter limiter;
    std::uint64_t suppressed = 0;
    if (limiter.Allow(suppressed)) {
        spdlog::warn("http server: {}; {} similar suppressed", message != nullptr ? message : "", suppressed);
    }
    return 1;  // handled: civetweb must not write to stderr itself
}

}  // namespace

bool HttpServer::Impl::IsWebSocketPath(std::string_view path) const {
    for (const auto& endpoint : websockets) {
        if (endpoint->path() == path) {
            return true;
        }
    }
    return false;
}

HttpResponse HttpServer::Impl::Invoke(const RouteEntry& entry, const HttpRequest& request, std::size_t route) {
    std::string failure;
    try {
        return entry.handler(request);
    } catch (const std::exception& e) {
        failure = e.what();
    } catch (...) {
        failure = "non-standard exception";
    }
    std::uint64_t suppressed = 0;
    if (error_limiter.Allow(suppressed)) {
        spdlog::error("http {} {}: handler failed: {}; {} similar suppressed", router.Method(route),
                      router.Pattern(route), failure, suppressed);
    }
    return HttpResponse::Error(500, "internal", "internal server error");
}

int HttpServer::Impl::Serve(mg_connection* conn) {
    const auto started_at = std::chrono::steady_clock::now();
    const mg_request_info* info = mg_get_request_info(conn);
    if (info == nullptr || info->request_method == nullptr) {
        return 0;
    }
    const InFlight in_flight(metrics.in_flight());
    const std::string_view method = info->request_method;
    const std::string_view version = info->http_version != nullptr ? info->http_version : "1.1";
    const std::string_view raw_path = info->local_uri != nullptr ? info->local_uri : "";
    bool keep_alive = detail::ClientWantsKeepAlive(conn, version);
    bool body_consumed = info->content_length <= 0 && !detail::IsChunked(conn);

    HttpResponse response;
    detail::HttpMetrics::RouteSeries* series = nullptr;
    const std::optional<std::vector<std::string>> segments = detail::SplitPath(raw_path);
    if (!segments) {
        response = HttpResponse::Error(400, "bad_request", "malformed request path");
        series = &metrics.Series(method, "unmatched");
    } else {
        detail::Router::Match match = router.Find(method, *segments);
        switch (match.outcome) {
            case detail::Router::Outcome::kNotFound:
                if (IsWebSocketPath(raw_path)) {
                    response =
                        HttpResponse::Error(426, "upgrade_required", "this path only accepts WebSocket upgrades");
                    response.headers.emplace_back("Upgrade", "websocket");
                    series = &metrics.Series(method, raw_path);
                } else {
                    response = HttpResponse::Error(404, "not_found",
                                                   "no route for " + std::string(method) + " " + std::string(raw_path));
                    series = &metrics.Series(method, "unmatched");
                }
                break;
            case detail::Router::Outcome::kMethodNotAllowed:
                response = HttpResponse::Error(405, "method_not_allowed",
                                               std::string(method) + " is not allowed here; allowed: " + match.allow);
                response.headers.emplace_back("Allow", match.allow);
                series = &metrics.Series(method, router.Pattern(match.route));
                break;
            case detail::Router::Outcome::kFound: {
                const RouteEntry& entry = routes[match.route];
                series = router.Method(match.route) == method ? entry.series
                                                              : &metrics.Series(method, router.Pattern(match.route));
                if (options.require_json_bodies && (info->content_length > 0 || detail::IsChunked(conn)) &&
                    !IsJsonMediaType(mg_get_header(conn, "Content-Type"))) {
                    response = HttpResponse::Error(415, "unsupported_media_type",
                                                   "request bodies must be sent as Content-Type: application/json");
                    break;
                }
                std::string body;
                switch (detail::ReadBody(conn, *info, options.max_request_bytes, body)) {
                    case detail::BodyResult::kTooLarge:
                        response = HttpResponse::Error(
                            413, "payload_too_large",
                            "request body exceeds " + std::to_string(options.max_request_bytes) + " bytes");
                        break;
                    case detail::BodyResult::kClientGone:
                        mg_disable_connection_keep_alive(conn);
                        if (std::optional<HttpResponse> cut = CutResponse(conn)) {
                            // Too slow rather than gone: it may still be listening.
                            response = std::move(*cut);
                            keep_alive = false;
                            break;
                        }
                        series->Observe(
                            400, std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count());
                        return 400;
                    case detail::BodyResult::kOk: {
                        body_consumed = true;
                        guard->Handling(conn);
                        HttpRequest request = detail::RequestFromCivet(*info);
                        request.body = std::move(body);
                        request.path_params = std::move(match.params);
                        response = Invoke(entry, request, match.route);
                        break;
                    }
                }
                break;
            }
        }
    }
    if (response.status < 100 || response.status > 599) {
        std::uint64_t suppressed = 0;
        if (error_limiter.Allow(suppressed)) {
            spdlog::error("http {} {}: handler returned invalid status {}; {} similar suppressed", method, raw_path,
                          response.status, suppressed);
        }
        response = HttpResponse::Error(500, "internal", "internal server error");
    }
    // An unread body small enough is skipped by civetweb; a large or chunked one would be read
    // to the end just to be discarded, so the connection is closed instead.
    if (!body_consumed &&
        (detail::IsChunked(conn) || info->content_length > static_cast<long long>(options.max_request_bytes))) {
        keep_alive = false;
    }
    if (!keep_alive) {
        mg_disable_connection_keep_alive(conn);
    }
    // Counted before the write, so a client that has its response also sees it in /metrics.
    series->Observe(response.status,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - started_at).count());
    const bool written = detail::WriteResponse(conn, version, response, keep_alive, method == "HEAD");
    if (!written) {
        mg_disable_connection_keep_alive(conn);
    }
    return response.status;
}

HttpResponse HttpServer::Impl::MetricsResponse() {
    process.Update();
    const std::vector<prometheus::MetricFamily> families = registry->Collect();
    return HttpResponse::Text(200, prometheus::TextSerializer().Serialize(families), std::string(kMetricsContentType));
}

HttpResponse HttpServer::Impl::ReadinessResponse() {
    std::vector<std::pair<std::string, ReadinessCheck>> checks;
    {
        std::lock_guard lock(readiness_mutex);
        checks = readiness_checks;
    }
    bool ready = true;
    std::string body_checks;
    for (const auto& [name, check] : checks) {
        std::string detail;
        bool ok = false;
        try {
            ok = check(detail);
        } catch (const std::exception& e) {
            detail = std::string("check failed: ") + e.what();
        }
        ready = ready && ok;
        if (!body_checks.empty()) {
            body_checks += ',';
        }
        detail::AppendJsonString(body_checks, name);
        body_checks += ":{\"ok\":";
        body_checks += ok ? "true" : "false";
        body_checks += ",\"detail\":";
        detail::AppendJsonString(body_checks, detail);
        body_checks += '}';
    }
    std::string body = "{\"ready\":";
    body += ready ? "true" : "false";
    body += ",\"checks\":{";
    body += body_checks;
    body += "}}";
    return HttpResponse::Json(ready ? 200 : 503, std::move(body));
}

int HttpServer::Impl::HandleRequest(mg_connection* conn, void* data) {
    auto* impl = static_cast<Impl*>(data);
    try {
        return impl->Serve(conn);
    } catch (const std::exception& e) {
        // Only reached when writing the response itself failed (e.g. out of memory).
        std::uint64_t suppressed = 0;
        if (impl->error_limiter.Allow(suppressed)) {
            spdlog::error("http server: request failed: {}; {} similar suppressed", e.what(), suppressed);
        }
        mg_disable_connection_keep_alive(conn);
        return 500;
    }
}

int HttpServer::Impl::RejectUnknownWebSocket(const mg_connection* conn, void* /*data*/) {
    auto* writable = const_cast<mg_connection*>(conn);
    const mg_request_info* info = mg_get_request_info(conn);
    mg_disable_connection_keep_alive(writable);
    const std::string path = info != nullptr && info->local_uri != nullptr ? info->local_uri : "";
    detail::WriteResponse(writable, info != nullptr && info->http_version != nullptr ? info->http_version : "1.1",
                          HttpResponse::Error(404, "not_found", "no WebSocket endpoint at " + path), false, false);
    return 1;
}

int HttpServer::Impl::WebSocketConnect(const mg_connection* conn, void* data) {
    try {
        return static_cast<detail::WebSocketEndpointImpl*>(data)->OnConnect(conn);
    } catch (const std::exception& e) {
        spdlog::error("websocket connect failed: {}", e.what());
        return 1;
    }
}

void HttpServer::Impl::WebSocketReady(mg_connection* conn, void* data) {
    try {
        static_cast<detail::WebSocketEndpointImpl*>(data)->OnReady(conn);
    } catch (const std::exception& e) {
        spdlog::error("websocket ready failed: {}", e.what());
    }
}

int HttpServer::Impl::WebSocketData(mg_connection* conn, int bits, char* payload, std::size_t length, void* data) {
    try {
        return static_cast<detail::WebSocketEndpointImpl*>(data)->OnData(conn, bits, payload, length);
    } catch (const std::exception& e) {
        spdlog::error("websocket message handling failed: {}", e.what());
        return 0;
    }
}

void HttpServer::Impl::WebSocketClose(const mg_connection* conn, void* data) {
    try {
        static_cast<detail::WebSocketEndpointImpl*>(data)->OnClose(conn);
    } catch (const std::exception& e) {
        spdlog::error("websocket close failed: {}", e.what());
    }
}

HttpServer::HttpServer(HttpServerOptions options, std::shared_ptr<prometheus::Registry> registry) {
    if (!registry) {
        throw std::invalid_argument("HttpServer needs a metrics registry");
    }
    if (options.threads < 1) {
        throw std::invalid_argument("HttpServer needs at least one thread");
    }
    if (options.header_timeout.count() <= 0 || options.body_timeout.count() <= 0) {
        throw std::invalid_argument("header_timeout and body_timeout must be positive");
    }
    if (options.max_connections_per_client == 0) {
        throw std::invalid_argument("max_connections_per_client must be at least 1");
    }
    if (options.websocket_queue_messages == 0) {
        throw std::invalid_argument("websocket_queue_messages must be at least 1");
    }
    impl_ = std::make_unique<Impl>(std::move(options), std::move(registry));
    Impl* impl = impl_.get();
    Route("GET", "/metrics", [impl](const HttpRequest&) { return impl->MetricsResponse(); });
    Route("GET", "/healthz", [](const HttpRequest&) { return HttpResponse::Json(200, R"({"status":"ok"})"); });
    Route("GET", "/readyz", [impl](const HttpRequest&) { return impl->ReadinessResponse(); });
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Route(std::string_view method, std::string_view pattern, HttpHandler handler) {
    std::lock_guard lock(impl_->lifecycle_mutex);
    if (impl_->started) {
        throw std::logic_error("HttpServer::Route(" + std::string(pattern) + ") after Start()");
    }
    if (!handler) {
        throw std::invalid_argument("HttpServer::Route(" + std::string(pattern) + "): empty handler");
    }
    const std::size_t index = impl_->router.Add(method, pattern);
    impl_->routes.push_back(
        Impl::RouteEntry{std::move(handler), &impl_->metrics.Series(method, impl_->router.Pattern(index))});
}

void HttpServer::AddReadinessCheck(std::string name, ReadinessCheck check) {
    if (!check) {
        throw std::invalid_argument("HttpServer::AddReadinessCheck(" + name + "): empty check");
    }
    std::lock_guard lock(impl_->readiness_mutex);
    impl_->readiness_checks.emplace_back(std::move(name), std::move(check));
}

WebSocketEndpoint& HttpServer::AddWebSocket(std::string_view path, WebSocketEndpoint::Callbacks callbacks) {
    std::lock_guard lock(impl_->lifecycle_mutex);
    if (impl_->started) {
        throw std::logic_error("HttpServer::AddWebSocket(" + std::string(path) + ") after Start()");
    }
    if (path.empty() || path.front() != '/' || path.find_first_of("*?$|{}") != std::string_view::npos) {
        throw std::invalid_argument("bad WebSocket path '" + std::string(path) + "'");
    }
    if (impl_->IsWebSocketPath(path)) {
        throw std::invalid_argument("WebSocket path '" + std::string(path) + "' registered twice");
    }
    impl_->websockets.push_back(std::make_unique<detail::WebSocketEndpointImpl>(
        std::string(path), std::move(callbacks), impl_->websocket_shared, *impl_->registry));
    return *impl_->websockets.back();
}

void HttpServer::Start() {
    static std::once_flag library_init;
    std::call_once(library_init, [] { mg_init_library(0); });

    std::lock_guard lock(impl_->lifecycle_mutex);
    if (impl_->started) {
        throw std::logic_error("HttpServer::Start() called twice");
    }
    const HttpServerOptions& options = impl_->options;
    const std::string listen = options.bind_address + ":" + std::to_string(options.port);
    const std::string threads = std::to_string(options.threads + static_cast<int>(options.max_websocket_connections));
    const std::string request_timeout = std::to_string(options.request_timeout.count());
    const std::string ping_interval = std::to_string(options.websocket_ping_interval.count());
    // clang-format off
    std::array<const char*, 19> config{
        "listening_ports",            listen.c_str(),
        "num_threads",                threads.c_str(),
        "request_timeout_ms",         request_timeout.c_str(),
        "websocket_timeout_ms",       ping_interval.c_str(),
        "enable_websocket_ping_pong", "yes",
        "enable_keep_alive",          "yes",
        "keep_alive_timeout_ms",      "500",
        "decode_url",                 "no",  // the router decodes per segment, so "%2F" stays inside one
        "tcp_nodelay",                "1",
        nullptr,
    };
    // clang-format on
    const std::size_t capacity = static_cast<std::size_t>(options.threads) + options.max_websocket_connections;
    impl_->guard = std::make_unique<detail::ConnectionGuard>(
        detail::ConnectionGuardOptions{options.header_timeout, options.body_timeout, options.max_connections_per_client,
                                       capacity},
        Impl::PeerOf, *impl_->registry);
    mg_callbacks callbacks{};
    callbacks.log_message = LogCivetMessage;
    callbacks.init_connection = Impl::InitConnection;
    callbacks.begin_request = Impl::BeginRequest;
    callbacks.end_request = Impl::EndRequest;
    callbacks.http_error = Impl::HttpError;
    callbacks.connection_close = Impl::ConnectionClose;
    mg_init_data init{&callbacks, impl_.get(), config.data()};
    std::array<char, 256> error_text{};
    unsigned error_code = 0;
    mg_error_data error{&error_code, error_text.data(), error_text.size()};
    mg_context* context = mg_start2(&init, &error);
    if (context == nullptr) {
        impl_->guard.reset();
        throw std::runtime_error(
            "HTTP server cannot listen on " + listen + ": " +
            (error_text[0] != '\0' ? std::string(error_text.data()) : std::string("unknown error")));
    }
    mg_set_request_handler(context, "**", Impl::HandleRequest, impl_.get());
    for (const auto& endpoint : impl_->websockets) {
        mg_set_websocket_handler(context, endpoint->path().c_str(), Impl::WebSocketConnect, Impl::WebSocketReady,
                                 Impl::WebSocketData, Impl::WebSocketClose, endpoint.get());
    }
    mg_set_websocket_handler(context, "**", Impl::RejectUnknownWebSocket, nullptr, nullptr, nullptr, impl_.get());

    std::array<mg_server_port, 4> ports{};
    const int count = mg_get_server_ports(context, static_cast<int>(ports.size()), ports.data());
    if (count < 1) {
        mg_stop(context);
        impl_->guard.reset();
        throw std::runtime_error("HTTP server on " + listen + " reports no listening port");
    }
    impl_->port = ports[0].port;
    impl_->context = context;
    impl_->started = true;
    spdlog::info("http server listening on {}:{}", options.bind_address, impl_->port);
}

void HttpServer::Stop() {
    std::lock_guard lock(impl_->lifecycle_mutex);
    if (impl_->context == nullptr) {
        return;
    }
    // Close WebSockets with a handshake first (stop order: newest work first), then civetweb.
    impl_->websocket_shared.stopping = true;
    for (const auto& endpoint : impl_->websockets) {
        endpoint->BeginShutdown();
    }
    const auto deadline = std::chrono::steady_clock::now() + impl_->options.websocket_close_timeout;
    for (const auto& endpoint : impl_->websockets) {
        endpoint->WaitIdle(deadline);
    }
    for (const auto& endpoint : impl_->websockets) {
        endpoint->ForceCloseAll();
    }
    detail::StopCivetweb(impl_->context, impl_->options.bind_address, impl_->port);
    impl_->context = nullptr;
    impl_->guard.reset();
    impl_->stopped = true;
}

int HttpServer::Port() const {
    std::lock_guard lock(impl_->lifecycle_mutex);
    return impl_->port;
}

}  // namespace cosmic::telemetry
