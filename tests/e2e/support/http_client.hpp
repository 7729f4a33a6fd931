#pragma once
/// A small blocking HTTP client (libcurl) for driving the services' APIs.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

namespace cosmic::e2e {

struct HttpResult {
    long status = 0;  ///< HTTP status; 0 when the request did not get a response
    std::string body;
    std::string error;  ///< curl's message when status is 0

    bool Ok() const { return status >= 200 && status < 300; }
    /// "status 404: {...}" or the transport error, for assertion messages.
    std::string Describe() const;
};

class HttpClient {
  public:
    /// `base_url` like "http://127.0.0.1:8080". One connection is kept alive between requests.
    explicit HttpClient(std::string base_url, std::chrono::milliseconds timeout = std::chrono::seconds(10));
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// `token` empty = no Authorization header.
    HttpResult Get(std::string_view path, std::string_view token = {});
    /// POST with a JSON body.
    HttpResult Post(std::string_view path, std::string_view json_body, std::string_view token = {});

    const std::string& BaseUrl() const { return base_url_; }

  private:
    HttpResult Perform(std::string_view path, const std::string* body, std::string_view token);

    std::string base_url_;
    std::chrono::milliseconds timeout_;
    void* curl_;  // CURL*, kept out of the header
};

/// Percent-encodes a query parameter value.
std::string UrlEncode(std::string_view value);

}  // namespace cosmic::e2e
