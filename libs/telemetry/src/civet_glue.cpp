#include "civet_glue.hpp"

#include <arpa/inet.h>
#include <civetweb.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>
#include <string>
#include <thread>

namespace cosmic::telemetry::detail {
namespace {

constexpr std::size_t kCoalesceLimit = 64 * 1024;
constexpr std::size_t kReadChunk = 16 * 1024;

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

/// The keep-alive rule civetweb applies after the handler (should_keep_alive), so the
/// Connection header we send agrees with what the server then does.
bool ClientWantsKeepAlive(const mg_connection* conn, std::string_view http_version) {
    const char* header = mg_get_header(conn, "Connection");
    if (header == nullptr) {
        return http_version == "1.1";
    }
    std::string_view rest(header);
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        std::string_view token = rest.substr(0, comma);
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
        while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
            token.remove_prefix(1);
        }
        while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
            token.remove_suffix(1);
        }
        if (token.size() == 10 && strncasecmp(token.data(), "keep-alive", 10) == 0) {
            return true;
        }
    }
    return false;
}

bool IsChunked(const mg_connection* conn) {
    const char* encoding = mg_get_header(conn, "Transfer-Encoding");
    return encoding != nullptr && strcasecmp(encoding, "chunked") == 0;
}

std::optional<std::string> FramingError(const mg_request_info& info) {
    int lengths = 0;
    int encodings = 0;
    std::string_view length;
    std::string_view encoding;
    for (int i = 0; i < info.num_headers; ++i) {
        const mg_header& header = info.http_headers[i];
        if (header.name == nullptr) {
            continue;
        }
        if (strcasecmp(header.name, "Content-Length") == 0) {
            ++lengths;
            length = header.value != nullptr ? header.value : "";
        } else if (strcasecmp(header.name, "Transfer-Encoding") == 0) {
            ++encodings;
            encoding = header.value != nullptr ? header.value : "";
        }
    }
    const auto trim = [](std::string_view value) {
        while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
            value.remove_suffix(1);
        }
        return value;
    };
    length = trim(length);
    encoding = trim(encoding);
    if (encodings > 0 && lengths > 0) {
        return "Transfer-Encoding and Content-Length together";
    }
    if (encodings > 1 ||
        (encodings == 1 && !(encoding.size() == 7 && strncasecmp(encoding.data(), "chunked", 7) == 0))) {
        return "unsupported Transfer-Encoding; only a single \"chunked\" is accepted";
    }
    if (lengths > 1) {
        return "more than one Content-Length header";
    }
    if (lengths == 1 && (length.empty() || length.size() > 18 ||
                         !std::all_of(length.begin(), length.end(), [](char c) { return c >= '0' && c <= '9'; }))) {
        return "Content-Length is not a decimal number";
    }
    return std::nullopt;
}

/// Reads the request body, refusing to buffer more than `limit` bytes: a declared length over
/// the limit is refused before reading anything, a chunked body as soon as it grows past it.
BodyResult ReadBody(mg_connection* conn, const mg_request_info& info, std::size_t limit, std::string& body) {
    const bool chunked = IsChunked(conn);
    const long long declared = info.content_length;
    if (declared > 0 && static_cast<unsigned long long>(declared) > limit) {
        return BodyResult::kTooLarge;
    }
    if (declared <= 0 && !chunked) {
        return BodyResult::kOk;
    }
    // civetweb answers "Expect: 100-continue" only for its own file handlers; without this a
    // client such as curl waits a second before sending the body.
    const char* expect = mg_get_header(conn, "Expect");
    if (expect != nullptr && strcasecmp(expect, "100-continue") == 0) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        if (mg_write(conn, kContinue.data(), kContinue.size()) <= 0) {
            return BodyResult::kClientGone;
        }
    }
    if (declared > 0) {
        body.reserve(static_cast<std::size_t>(declared));
    }
    std::array<char, kReadChunk> buffer{};
    while (true) {
        // civetweb fills the whole buffer from a chunked body before returning, so never ask for
        // more than one byte past the limit: the answer then comes as soon as the limit is passed.
        const std::size_t want = std::min(buffer.size(), limit - body.size() + 1);
        const int n = mg_read(conn, buffer.data(), want);
        if (n < 0) {
            return BodyResult::kClientGone;
        }
        if (n == 0) {
            break;
        }
        if (body.size() + static_cast<std::size_t>(n) > limit) {
            return BodyResult::kTooLarge;
        }
        body.append(buffer.data(), static_cast<std::size_t>(n));
    }
    if (declared > 0 && body.size() != static_cast<std::size_t>(declared)) {
        return BodyResult::kClientGone;  // the client closed before sending all it announced
    }
    return BodyResult::kOk;
}

namespace {

/// One connection to the server's own listening socket, closed at once.
void PokeListener(const std::string& bind_address, int port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    if (bind_address == "0.0.0.0" || inet_pton(AF_INET, bind_address.c_str(), &address.sin_addr) != 1) {
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    }
    (void)::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    ::close(fd);
}

}  // namespace

/// mg_stop(), without its latency: civetweb's accept loop looks at the stop flag only between
/// 2-second polls of the listening socket, so a connection to it is made until the stop is seen.
void StopCivetweb(mg_context* context, const std::string& bind_address, int port) {
    std::mutex mutex;
    std::condition_variable stopped_cv;
    bool stopped = false;
    std::thread stopper([&] {
        mg_stop(context);
        std::lock_guard lock(mutex);
        stopped = true;
        stopped_cv.notify_all();
    });
    std::unique_lock lock(mutex);
    while (!stopped) {
        lock.unlock();
        PokeListener(bind_address, port);
        lock.lock();
        stopped_cv.wait_for(lock, std::chrono::milliseconds(20), [&] { return stopped; });
    }
    lock.unlock();
    stopper.join();
}

}  // namespace cosmic::telemetry::detail
