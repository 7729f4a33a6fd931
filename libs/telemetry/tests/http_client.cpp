#include "http_client.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <random>
#include <stdexcept>

namespace cosmic::telemetry::testing {
namespace {

std::size_t WriteBody(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t WriteHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* result = static_cast<HttpResult*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        result->headers.clear();  // a new response (after 100 Continue)
    }
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && (value.front() == ' ')) {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
            value.remove_suffix(1);
        }
        result->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

struct UploadState {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* state = static_cast<UploadState*>(user);
    // Small pieces so a chunked body really arrives as many chunks.
    const std::size_t n = std::min({size * count, state->data.size() - state->offset, std::size_t{4096}});
    std::memcpy(buffer, state->data.data() + state->offset, n);
    state->offset += n;
    return n;
}

}  // namespace

std::string HttpResult::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return value;
        }
    }
    return {};
}

HttpResult HttpCall(const std::string& url, const HttpCallOptions& options) {
    static std::once_flag init;
    std::call_once(init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        throw std::runtime_error("curl_easy_init failed");
    }
    HttpResult result;
    UploadState upload{options.body, 0};
    curl_slist* headers = nullptr;
    for (const std::string& header : options.headers) {
        headers = curl_slist_append(headers, header.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, WriteHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &result);
    if (options.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (options.chunked) {
        headers = curl_slist_append(headers, "Transfer-Encoding: chunked");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, ReadUpload);
        curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options.method.c_str());
    } else if (!options.body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, options.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(options.body.size()));
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options.method.c_str());
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, options.method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK && result.status == 0) {
        throw std::runtime_error(std::string("HTTP call failed: ") + curl_easy_strerror(code));
    }
    return result;
}

RawSocket::RawSocket(int port, int receive_buffer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) {
        throw std::runtime_error("socket() failed");
    }
    if (receive_buffer > 0) {
        setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect() failed");
    }
}

RawSocket::~RawSocket() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool RawSocket::SendAll(std::string_view data) {
    while (!data.empty()) {
        const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

std::optional<std::string> RawSocket::ReadExactly(std::size_t n) {
    while (pending_.size() < n) {
        char buffer[4096];
        const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            return std::nullopt;
        }
        pending_.append(buffer, static_cast<std::size_t>(got));
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
}

std::string RawSocket::ReadHttpResponse() {
    std::size_t end = std::string::npos;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
        char buffer[4096];
        const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (got <= 0) {
            std::string partial = std::move(pending_);
            pending_.clear();
            return partial;
        }
        pending_.append(buffer, static_cast<std::size_t>(got));
    }
    std::string head = pending_.substr(0, end + 4);
    pending_.erase(0, end + 4);
    std::size_t length = 0;
    for (std::size_t pos = 0; (pos = head.find("\r\n", pos)) != std::string::npos;) {
        pos += 2;
        if (strncasecmp(head.c_str() + pos, "Content-Length:", 15) == 0) {
            length = std::stoul(head.substr(pos + 15));
        }
    }
    const std::optional<std::string> body = ReadExactly(length);
    return head + body.value_or("");
}

std::uint16_t WsClient::Frame::CloseCode() const {
    if (opcode != 0x8 || payload.size() < 2) {
        return 0;
    }
    return static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8U) |
                                      static_cast<unsigned char>(payload[1]));
}

WsClient::WsClient(int port, const std::string& target, const std::vector<std::string>& headers, int receive_buffer)
    : socket_(port, receive_buffer) {
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    for (const std::string& header : headers) {
        request += header + "\r\n";
    }
    request += "\r\n";
    if (!socket_.SendAll(request)) {
        throw std::runtime_error("cannot send WebSocket upgrade");
    }
    // A 101 response has no body; an error response carries Content-Length.
    response_ = socket_.ReadHttpResponse();
    if (response_.size() > 12) {
        status_ = std::stoi(response_.substr(9, 3));
    }
}

bool WsClient::SendFrame(int opcode, std::string_view payload, bool fin) {
    static thread_local std::mt19937 rng{std::random_device{}()};
    std::string frame;
    frame.push_back(static_cast<char>((fin ? 0x80 : 0x00) | opcode));
    const std::size_t n = payload.size();
    if (n < 126) {
        frame.push_back(static_cast<char>(0x80 | n));
    } else if (n < 65536) {
        frame.push_back(static_cast<char>(0x80 | 126));
        frame.push_back(static_cast<char>(n >> 8U));
        frame.push_back(static_cast<char>(n & 0xFFU));
    } else {
        frame.push_back(static_cast<char>(0x80 | 127));
        for (int shift = 56; shift >= 0; shift -= 8) {
            frame.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> static_cast<unsigned>(shift)) & 0xFFU));
        }
    }
    const std::uint32_t mask_bits = rng();
    char mask[4];
    std::memcpy(mask, &mask_bits, 4);
    frame.append(mask, 4);
    for (std::size_t i = 0; i < n; ++i) {
        frame.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    }
    return socket_.SendAll(frame);
}

bool WsClient::SendClose(std::uint16_t code) {
    const char payload[2] = {static_cast<char>(code >> 8U), static_cast<char>(code & 0xFFU)};
    return SendFrame(0x8, std::string_view(payload, 2));
}

std::optional<WsClient::Frame> WsClient::ReadFrame() {
    const std::optional<std::string> header = socket_.ReadExactly(2);
    if (!header) {
        return std::nullopt;
    }
    Frame frame;
    const auto b0 = static_cast<unsigned char>((*header)[0]);
    const auto b1 = static_cast<unsigned char>((*header)[1]);
    frame.fin = (b0 & 0x80U) != 0;
    frame.opcode = b0 & 0x0F;
    std::uint64_t length = b1 & 0x7FU;
    if (length == 126 || length == 127) {
        const std::optional<std::string> extended = socket_.ReadExactly(length == 126 ? 2 : 8);
        if (!extended) {
            return std::nullopt;
        }
        length = 0;
        for (const char c : *extended) {
            length = (length << 8U) | static_cast<unsigned char>(c);
        }
    }
    const std::optional<std::string> payload = socket_.ReadExactly(static_cast<std::size_t>(length));
    if (!payload) {
        return std::nullopt;
    }
    frame.payload = *payload;
    return frame;
}

std::optional<WsClient::Frame> WsClient::ReadUntilClose() {
    while (std::optional<Frame> frame = ReadFrame()) {
        if (frame->opcode == 0x8) {
            SendClose(frame->CloseCode() != 0 ? frame->CloseCode() : 1000);
            return frame;
        }
    }
    return std::nullopt;
}

}  // namespace cosmic::telemetry::testing
