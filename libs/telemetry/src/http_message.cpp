#include <strings.h>

#include "cosmic/telemetry/http_server.hpp"
#include "json_text.hpp"
#include "url.hpp"

namespace cosmic::telemetry {
namespace detail {
namespace {

int HexDigit(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) {
                return std::nullopt;
            }
            const int high = HexDigit(text[i + 1]);
            const int low = HexDigit(text[i + 2]);
            if (high < 0 || low < 0) {
                return std::nullopt;
            }
            out.push_back(static_cast<char>((high << 4) | low));
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace detail

std::optional<std::string_view> HttpRequest::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return std::string_view(value);
        }
    }
    return std::nullopt;
}

std::optional<std::string> HttpRequest::Query(std::string_view name) const {
    std::string_view rest = query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) {
            continue;
        }
        const std::size_t eq = pair.find('=');
        const std::optional<std::string> key = detail::PercentDecode(pair.substr(0, eq), true);
        if (!key || *key != name) {
            continue;
        }
        if (eq == std::string_view::npos) {
            return std::string();
        }
        // A malformed escape in the value is passed through undecoded rather than hiding the key.
        const std::string_view raw = pair.substr(eq + 1);
        std::optional<std::string> value = detail::PercentDecode(raw, true);
        return value ? std::move(*value) : std::string(raw);
    }
    return std::nullopt;
}

std::string_view HttpRequest::Param(std::string_view name) const {
    for (const auto& [key, value] : path_params) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

HttpResponse HttpResponse::Json(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    return response;
}

HttpResponse HttpResponse::Text(int status, std::string body, std::string content_type) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.content_type = std::move(content_type);
    return response;
}

HttpResponse HttpResponse::Error(int status, std::string_view code, std::string_view message) {
    std::string body = "{\"error\":{\"code\":";
    detail::AppendJsonString(body, code);
    body += ",\"message\":";
    detail::AppendJsonString(body, message);
    body += "}}";
    return Json(status, std::move(body));
}

}  // namespace cosmic::telemetry
