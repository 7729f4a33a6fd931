#pragma once
/// The tests' HTTP client (libcurl): any method, headers, a bearer token, a JSON or raw body,
/// chunked uploads, a timeout; the result carries the status, the final response's headers and
/// the body. A transport failure is a result too (status 0 and the error), never an exception,
/// so a test can poll an endpoint that is not up yet.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cosmic::testing {

/// One HTTP response as a test sees it.
struct HttpResponse {
    long status = 0;  ///< 0 when no response arrived (see `error`)
    std::string body;
    /// The final response's headers in arrival order (those of a 100 Continue are dropped).
    std::vector<std::pair<std::string, std::string>> headers;
    std::string error;  ///< libcurl's message when the transfer failed

    bool Ok() const { return status >= 200 && status < 300; }
    /// The first header called `name` (case-insensitive); "" when absent.
    std::string Header(std::string_view name) const;
    /// "status 404: {...}" or "no response: <error>", for assertion messages.
    std::string Describe() const;
};

/// What to send.
struct HttpRequest {
    std::string method = "GET";
    /// Sent when non-empty, and always (possibly empty) for POST, PUT and PATCH.
    std::string body;
    /// Content-Type of the body; empty leaves libcurl's default.
    std::string content_type;
    std::vector<std::string> headers;  ///< extra "Name: value" lines
    std::string bearer_token;          ///< adds "Authorization: Bearer <token>" when non-empty
    bool chunked = false;              ///< send the body with Transfer-Encoding: chunked
    std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

/// "http://127.0.0.1:<port>".
std::string LocalUrl(int port);

/// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay).
std::string UrlEncode(std::string_view value);

/// One request on a fresh connection.
HttpResponse HttpCall(const std::string& url, const HttpRequest& request = {});

/// A client for one server. Each request has its own connection, so a client never holds one
/// of the server's workers between requests (an in-process server stops without waiting for it).
class HttpClient {
  public:
    /// `base_url` like "http://127.0.0.1:8080"; `timeout` applies to every request.
    explicit HttpClient(std::string base_url, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    /// A server on 127.0.0.1:`port`.
    explicit HttpClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(30));

    /// GET `path` (with its query); `token` empty = no Authorization header.
    HttpResponse Get(std::string_view path, std::string_view token = {}) const;
    /// POST `json` as application/json.
    HttpResponse Post(std::string_view path, std::string_view json, std::string_view token = {}) const;
    /// `method` with an optional JSON body (application/json when non-empty), a token and extra
    /// "Name: value" header lines.
    HttpResponse Call(std::string_view method, std::string_view path, std::string_view json = {},
                      std::string_view token = {}, std::vector<std::string> headers = {}) const;
    /// Any request; `request.timeout` is replaced by the client's.
    HttpResponse Send(std::string_view path, HttpRequest request) const;

    const std::string& BaseUrl() const { return base_url_; }

  private:
    std::string base_url_;
    std::chrono::milliseconds timeout_;
};

}  // namespace cosmic::testing
