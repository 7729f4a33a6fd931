#pragma once
/// Translation between civetweb's request/connection API and HttpRequest/HttpResponse.

#include <string_view>

#include "cosmic/telemetry/http_server.hpp"

struct mg_connection;
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

}  // namespace cosmic::telemetry::detail
