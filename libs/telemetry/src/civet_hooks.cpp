#include <civetweb.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <string_view>

#include "civet_glue.hpp"
#include "connection_guard.hpp"
#include "http_server_impl.hpp"

namespace cosmic::telemetry {

HttpServer::Impl* HttpServer::Impl::Of(const mg_connection* conn) {
    return static_cast<Impl*>(mg_get_user_data(mg_get_context(conn)));
}

namespace {

std::string_view CivetErrorCode(int status) {
    switch (status) {
        case 400:
            return "bad_request";
        case 408:
            return "request_timeout";
        case 411:
            return "length_required";
        case 413:
            return "payload_too_large";
        case 414:
            return "uri_too_long";
        case 431:
            return "headers_too_large";
        case 503:
            return "unavailable";
        case 505:
            return "http_version_not_supported";
        default:
            return status >= 500 ? "internal" : "bad_request";
    }
}

}  // namespace

std::optional<HttpResponse> HttpServer::Impl::CutResponse(const mg_connection* conn) const {
    switch (guard->Reason(conn)) {
        case detail::CutReason::kNone:
            return std::nullopt;
        case detail::CutReason::kHeaderTimeout:
        case detail::CutReason::kEvicted:
            return HttpResponse::Error(408, "request_timeout", "the request was not received in time");
        case detail::CutReason::kBodyTimeout:
            return HttpResponse::Error(408, "request_timeout", "the request body was not received in time");
        case detail::CutReason::kClientLimit:
            return HttpResponse::Error(503, "too_many_connections", "too many connections from this address");
    }
    return std::nullopt;
}

void HttpServer::Impl::Reject(mg_connection* conn, const HttpResponse& response) {
    const mg_request_info* info = mg_get_request_info(conn);
    const std::string_view version =
        info != nullptr && info->http_version != nullptr && std::string_view(info->http_version) == "1.0" ? "1.0"
                                                                                                          : "1.1";
    const std::string_view method = info != nullptr && info->request_method != nullptr ? info->request_method : "";
    mg_disable_connection_keep_alive(conn);
    metrics.Series(method, "rejected").Observe(response.status, 0.0);
    (void)detail::WriteResponse(conn, version, response, false, method == "HEAD");
}

int HttpServer::Impl::InitConnection(const mg_connection* conn, void** /*conn_data*/) {
    Impl* impl = Of(conn);
    if (impl != nullptr && impl->guard) {
        impl->guard->Opened(conn);
    }
    return 0;
}

/// Read from the guard's thread: civetweb fills in the addresses before init_connection but
/// only shows them (mg_get_request_info) once the worker has marked the connection a request,
/// right after that callback returns.
std::optional<detail::ConnectionGuard::Peer> HttpServer::Impl::PeerOf(const void* key) {
    const mg_request_info* info = mg_get_request_info(static_cast<const mg_connection*>(key));
    if (info == nullptr || info->remote_port == 0) {
        return std::nullopt;
    }
    return detail::ConnectionGuard::Peer{info->remote_addr, info->remote_port, info->server_port};
}

int HttpServer::Impl::BeginRequest(mg_connection* conn) {
    Impl* impl = Of(conn);
    if (impl == nullptr || !impl->guard) {
        return 0;
    }
    try {
        if (std::optional<HttpResponse> cut = impl->CutResponse(conn)) {
            impl->Reject(conn, *cut);
            return cut->status;
        }
        const mg_request_info* info = mg_get_request_info(conn);
        if (info == nullptr) {
            return 0;
        }
        // RFC 9112 6.3: a message whose length is ambiguous is refused and its connection closed,
        // or a proxy in front of the server and the server could split the stream differently.
        if (const std::optional<std::string> framing = detail::FramingError(*info)) {
            impl->Reject(conn, HttpResponse::Error(400, "bad_request", *framing));
            return 400;
        }
        if (info->content_length > 0 || detail::IsChunked(conn)) {
            impl->guard->AwaitingBody(conn);
        } else {
            impl->guard->Handling(conn);
        }
    } catch (const std::exception& e) {
        std::uint64_t suppressed = 0;
        if (impl->error_limiter.Allow(suppressed)) {
            spdlog::error("http server: request check failed: {}; {} similar suppressed", e.what(), suppressed);
        }
    }
    return 0;
}

void HttpServer::Impl::EndRequest(const mg_connection* conn, int /*status*/) {
    Impl* impl = Of(conn);
    if (impl != nullptr && impl->guard) {
        impl->guard->Idle(conn);
    }
}

/// Errors civetweb answers itself (malformed request line, headers too large, bad
/// Transfer-Encoding, a cut connection's partial request) get the same JSON body as ours.
int HttpServer::Impl::HttpError(mg_connection* conn, int status, const char* message) {
    Impl* impl = Of(conn);
    if (impl == nullptr) {
        return 1;
    }
    try {
        std::optional<HttpResponse> response = impl->guard ? impl->CutResponse(conn) : std::nullopt;
        if (!response) {
            response = HttpResponse::Error(status, CivetErrorCode(status),
                                           message != nullptr && message[0] != '\0' ? message : "request refused");
        }
        impl->Reject(conn, *response);
        return 0;
    } catch (const std::exception& e) {
        std::uint64_t suppressed = 0;
        if (impl->error_limiter.Allow(suppressed)) {
            spdlog::error("http server: error response failed: {}; {} similar suppressed", e.what(), suppressed);
        }
        return 1;
    }
}

void HttpServer::Impl::ConnectionClose(const mg_connection* conn) {
    detail::WebSocketEndpointImpl::OnConnectionClosed(conn);
    Impl* impl = Of(conn);
    if (impl != nullptr && impl->guard) {
        impl->guard->Closed(conn);
    }
}

}  // namespace cosmic::telemetry
