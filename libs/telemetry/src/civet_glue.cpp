#include "civet_glue.hpp"

#include <civetweb.h>
#include <strings.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <string>

namespace cosmic::telemetry::detail {
namespace {

constexpr std::size_t kCoalesceLimit = 64 * 1024;

bool SafeHeader(std::string_view name, std::string_view value) {
    if (name.empty() || name.find_first_of(":\r\n \t") != std::string_view::npos ||
        value.find_first_of("\r\n") != std::string_view::npos) {
        return false;
    }
    const auto equals = [&](std::string_view reserved) {
        return name.size() == reserved.size() && strncasecmp(name.data(), reserved.data(), name.size()) == 0;
    };
    return !equals("Content-Length") && !equals("Connection") && !equals("Transfer-Encoding") && !equals("Date") &&
           !equals("Content-Type");
}

void AppendDate(std::string& out) {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::array<char, 64> buffer{};
    const std::size_t length = std::strftime(buffer.data(), buffer.size(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
    out.append(buffer.data(), length);
}

}  // namespace

HttpRequest RequestFromCivet(const mg_request_info& info) {
    HttpRequest request;
    request.method = info.request_method != nullptr ? info.request_method : "";
    request.path = info.local_uri != nullptr ? info.local_uri : "";
    request.query = info.query_string != nullptr ? info.query_string : "";
    request.remote_addr = info.remote_addr;
    request.headers.reserve(static_cast<std::size_t>(info.num_headers));
    for (int i = 0; i < info.num_headers; ++i) {
        const mg_header& header = info.http_headers[i];
        request.headers.emplace_back(header.name != nullptr ? header.name : "",
                                     header.value != nullptr ? header.value : "");
    }
    return request;
}

bool WriteResponse(mg_connection* conn, std::string_view http_version, const HttpResponse& response, bool keep_alive,
                   bool head_only) {
    std::string out;
    out.reserve(256 + (head_only ? 0 : std::min(response.body.size(), kCoalesceLimit)));
    out += "HTTP/";
    out += http_version == "1.0" ? "1.0" : "1.1";
    out += ' ';
    out += std::to_string(response.status);
    out += ' ';
    out += mg_get_response_code_text(conn, response.status);
    out += "\r\nDate: ";
    AppendDate(out);
    out += "\r\nContent-Type: ";
    out += SafeHeader("X", response.content_type) ? response.content_type : std::string("application/octet-stream");
    out += "\r\nContent-Length: ";
    out += std::to_string(response.body.size());
    out += "\r\nConnection: ";
    out += keep_alive ? "keep-alive" : "close";
    out += "\r\n";
    for (const auto& [name, value] : response.headers) {
        if (SafeHeader(name, value)) {
            out += name;
            out += ": ";
            out += value;
            out += "\r\n";
        }
    }
    out += "\r\n";
    const bool send_body = !head_only && !response.body.empty();
    // One write for small responses: separate writes of header and body would meet Nagle's
    // algorithm and the client's delayed ACK.
    if (send_body && response.body.size() <= kCoalesceLimit) {
        out += response.body;
        return mg_write(conn, out.data(), out.size()) > 0;
    }
    if (mg_write(conn, out.data(), out.size()) <= 0) {
        return false;
    }
    return !send_body || mg_write(conn, response.body.data(), response.body.size()) > 0;
}

}  // namespace cosmic::telemetry::detail
