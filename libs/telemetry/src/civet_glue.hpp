#pragma once
/// Translation between civetweb's request/connection API and HttpRequest/HttpResponse.

#include <optional>
#include <string>
#include <string_view>

#include "cosmic/telemetry/http_server.hpp"

struct mg_connection;
struct mg_context;
struct mg_request_info;

namespace cosmic::telemetry::detail {

/// Method, raw path (not yet percent-decoded), raw query, headers and peer address; no body.
HttpRequest RequestFromCivet(const mg_request_info& info);

/// Writes a complete HTTP/1.x response (status line, Date, Content-Type, Content-Length,
/// Connection, the response's own headers, body) in as few writes as possible. Header lines
/// that would break the framing (CR/LF in them, or Content-Length/Connection set by the handler)
/// are left out. With `head_only` the body is omitted but Content-Length still describes it.
/// Returns false when the client went away.
bool WriteResponse(mg_connection* conn, std::string_view http_version, const HttpResponse& response, bool keep_alive,
                   bool head_only);

/// Whether the connection stays open after this response, by the rule civetweb applies after
/// the handler (should_keep_alive), so the Connection header sent agrees with what it then does.
bool ClientWantsKeepAlive(const mg_connection* conn, std::string_view http_version);

/// True for a request with Transfer-Encoding: chunked.
bool IsChunked(const mg_connection* conn);

/// Why the request's framing headers are ambiguous (RFC 9112 6.3), or nullopt when they are
/// not: Transfer-Encoding with Content-Length, a Transfer-Encoding other than one "chunked",
/// several Content-Length headers, or one that is not a plain decimal number.
std::optional<std::string> FramingError(const mg_request_info& info);

enum class BodyResult { kOk, kTooLarge, kClientGone };

/// Reads the request body, refusing to buffer more than `limit` bytes: a declared length over
/// the limit is refused before reading anything, a chunked body as soon as it grows past it.
/// Answers "Expect: 100-continue" when the body is going to be read.
BodyResult ReadBody(mg_connection* conn, const mg_request_info& info, std::size_t limit, std::string& body);

/// mg_stop() without waiting out civetweb's 2-second accept poll.
void StopCivetweb(mg_context* context, const std::string& bind_address, int port);

}  // namespace cosmic::telemetry::detail
