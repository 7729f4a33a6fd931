#pragma once
// A TCP server on 127.0.0.1:0 for the clients' own tests: it serves one connection at a time
// with a handler the test writes, so the bytes on the wire are exactly what the test says.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace cosmic::testing {

class FakeServer {
  public:
    using Handler = std::function<void(int fd)>;

    explicit FakeServer(Handler handler) : handler_(std::move(handler)) {
        listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = 0;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
            ::listen(listen_fd_, 8) != 0 ||
            ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
            throw std::runtime_error("fake server: cannot listen");
        }
        port_ = ntohs(address.sin_port);
        thread_ = std::thread([this] {
            while (true) {
                const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
                if (fd < 0) {
                    return;  // shut down
                }
                handler_(fd);
                ::close(fd);
            }
        });
    }
    ~FakeServer() {
        ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
        thread_.join();
        ::close(listen_fd_);
    }
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    int Port() const { return port_; }

  private:
    Handler handler_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::thread thread_;
};

/// Exactly `n` bytes from `fd`; nullopt when the peer closed first.
inline std::optional<std::string> ReadBytes(int fd, std::size_t n) {
    std::string out;
    while (out.size() < n) {
        char buffer[4096];
        const ssize_t got = ::recv(fd, buffer, std::min(sizeof(buffer), n - out.size()), 0);
        if (got <= 0) {
            return std::nullopt;
        }
        out.append(buffer, static_cast<std::size_t>(got));
    }
    return out;
}

/// A request head up to and including the blank line, plus a Content-Length body.
inline std::string ReadRequest(int fd) {
    std::string request;
    while (request.find("\r\n\r\n") == std::string::npos) {
        const auto byte = ReadBytes(fd, 1);
        if (!byte) {
            return request;
        }
        request += *byte;
    }
    const std::size_t at = request.find("Content-Length: ");
    if (at != std::string::npos) {
        const std::size_t length = std::stoul(request.substr(at + 16));
        request += ReadBytes(fd, length).value_or("");
    }
    return request;
}

inline void SendBytes(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent <= 0) {
            return;
        }
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
}

}  // namespace cosmic::testing
