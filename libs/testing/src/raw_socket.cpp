#include "cosmic/testing/raw_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace cosmic::testing {

using Clock = std::chrono::steady_clock;

RawSocket::RawSocket(int port, int receive_buffer) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(std::string("socket(): ") + std::strerror(errno));
    }
    if (receive_buffer > 0) {
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof(receive_buffer));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
        const int error = errno;
        ::close(fd_);
        throw std::runtime_error("connect() to 127.0.0.1:" + std::to_string(port) + ": " + std::strerror(error));
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
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool RawSocket::ReceiveMore(Clock::time_point deadline) {
    while (true) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            return false;
        }
        pollfd descriptor{fd_, POLLIN, 0};
        const int ready = ::poll(&descriptor, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            return false;
        }
        char buffer[4096];
        const ssize_t got = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got <= 0) {
            return false;
        }
        pending_.append(buffer, static_cast<std::size_t>(got));
        return true;
    }
}

std::optional<std::string> RawSocket::ReadExactly(std::size_t n, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (pending_.size() < n) {
        if (!ReceiveMore(deadline)) {
            return std::nullopt;
        }
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, n);
    return out;
}

std::string RawSocket::ReadHttpResponse(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::size_t end = std::string::npos;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
        if (!ReceiveMore(deadline)) {
            std::string partial = std::move(pending_);
            pending_.clear();
            return partial;
        }
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
    while (pending_.size() < length && ReceiveMore(deadline)) {
    }
    const std::size_t take = std::min(length, pending_.size());
    head += pending_.substr(0, take);
    pending_.erase(0, take);
    return head;
}

bool ClosedByServer(int fd, std::string* received) {
    char buffer[4096];
    while (true) {
        const ssize_t n = ::recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
        if (n > 0) {
            if (received != nullptr) received->append(buffer, static_cast<std::size_t>(n));
            continue;
        }
        if (n == 0) return true;
        return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
    }
}

Trickler::Trickler(std::vector<int> fds) : fds_(std::move(fds)), thread_([this] { Run(); }) {}

Trickler::~Trickler() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    stop_cv_.notify_all();
    thread_.join();
}

void Trickler::Run() {
    std::unique_lock lock(mutex_);
    while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_; })) {
        for (const int fd : fds_) (void)::send(fd, "a", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
}

}  // namespace cosmic::testing
