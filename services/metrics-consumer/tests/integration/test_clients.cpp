#include "test_clients.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <random>
#include <stdexcept>

namespace cosmic::metrics::testing {

namespace {

std::size_t Append(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

}  // namespace

HttpResult HttpGet(int port, const std::string& target, const std::string& token) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
    HttpResult result;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + target;
    curl_slist* headers = nullptr;
    if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Append);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) throw std::runtime_error(std::string("GET ") + url + ": " + curl_easy_strerror(code));
    return result;
}

WsClient::WsClient(int port, const std::string& target, const std::string& token) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::runtime_error("socket failed");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        ::close(fd_);
        throw std::runtime_error("connect failed");
    }
    std::string request = "GET " + target +
                          " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    request += "\r\n";
    if (!SendAll(request)) throw std::runtime_error("cannot send the upgrade request");
    // Read the response head byte by byte up to the blank line; frames may follow it.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    std::string head;
    while (head.size() < 4 || head.compare(head.size() - 4, 4, "\r\n\r\n") != 0) {
        const auto byte = Read(1, deadline);
        if (!byte) break;
        head += *byte;
    }
    if (head.size() > 12) status_ = std::stoi(head.substr(9, 3));
}

WsClient::~WsClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool WsClient::SendAll(std::string_view data) {
    while (!data.empty()) {
        const ssize_t sent = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

bool WsClient::SendText(std::string_view text) {
    // Client frames are masked (RFC 6455 §5.3); payloads here are small.
    std::string frame;
    frame.push_back(static_cast<char>(0x81));
    if (text.size() < 126) {
        frame.push_back(static_cast<char>(0x80 | text.size()));
    } else {
        frame.push_back(static_cast<char>(0x80 | 126));
        frame.push_back(static_cast<char>(text.size() >> 8U));
        frame.push_back(static_cast<char>(text.size() & 0xFFU));
    }
    std::mt19937 rng{std::random_device{}()};
    const std::uint32_t mask_bits = rng();
    char mask[4];
    std::memcpy(mask, &mask_bits, 4);
    frame.append(mask, 4);
    for (std::size_t i = 0; i < text.size(); ++i) frame.push_back(static_cast<char>(text[i] ^ mask[i % 4]));
    return SendAll(frame);
}

std::optional<std::string> WsClient::Read(std::size_t n, std::chrono::steady_clock::time_point deadline) {
    while (pending_.size() < n) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return std::nullopt;
        pollfd descriptor{fd_, POLLIN, 0};
        if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
        char buffer[4096];
        const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (got <= 0) return std::nullopt;
        pending_.append(buffer, static_cast<std::size_t>(got));
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
}

std::optional<std::string> WsClient::ReadText(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        const auto header = Read(2, deadline);
        if (!header) return std::nullopt;
        const int opcode = static_cast<unsigned char>((*header)[0]) & 0x0F;
        std::uint64_t length = static_cast<unsigned char>((*header)[1]) & 0x7FU;
        if (length == 126 || length == 127) {
            const auto extended = Read(length == 126 ? 2 : 8, deadline);
            if (!extended) return std::nullopt;
            length = 0;
            for (const char c : *extended) length = (length << 8U) | static_cast<unsigned char>(c);
        }
        auto payload = Read(static_cast<std::size_t>(length), deadline);
        if (!payload) return std::nullopt;
        if (opcode == 0x1) return payload;
        if (opcode == 0x8) return std::nullopt;
        // Ping (0x9): the server's keep-alive; pongs are not needed within a test's lifetime.
    }
}

}  // namespace cosmic::metrics::testing
