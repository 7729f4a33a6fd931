#include "cosmic/testing/sinks.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace cosmic::testing {
namespace {

bool SendAllFd(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

/// Reads from `fd` into `buffer` until it holds `delimiter`; returns its position or npos on EOF.
std::size_t ReadUntil(int fd, std::string& buffer, std::string_view delimiter, std::size_t from = 0) {
    while (true) {
        const std::size_t at = buffer.find(delimiter, from);
        if (at != std::string::npos) return at;
        char chunk[4096];
        const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
        if (got <= 0) return std::string::npos;
        buffer.append(chunk, static_cast<std::size_t>(got));
    }
}

std::string Lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view Trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
    return text;
}

}  // namespace

int ListenLoopback(int port, int& bound_port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw std::runtime_error("socket failed");
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, 64) != 0) {
        ::close(fd);
        throw std::runtime_error("bind/listen failed on 127.0.0.1:" + std::to_string(port));
    }
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    bound_port = ntohs(address.sin_port);
    return fd;
}

// --- the accept loop ----------------------------------------------------------------------------

LoopbackServer::LoopbackServer(int port) { listen_fd_ = ListenLoopback(port, port_); }

void LoopbackServer::Launch(std::function<void(int fd)> serve) {
    serve_ = std::move(serve);
    acceptor_ = std::thread([this] { Accept(); });
}

void LoopbackServer::Shutdown() {
    if (stopping_.exchange(true)) return;
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (acceptor_.joinable()) acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> sessions;
    {
        std::lock_guard lock(sessions_mutex_);
        for (const int fd : session_fds_) ::shutdown(fd, SHUT_RDWR);
        sessions.swap(sessions_);
    }
    for (auto& session : sessions) session.join();
}

void LoopbackServer::Accept() {
    while (!stopping_.load()) {
        pollfd descriptor{listen_fd_, POLLIN, 0};
        if (::poll(&descriptor, 1, 100) <= 0) continue;
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) continue;
        connections_.fetch_add(1);
        std::lock_guard lock(sessions_mutex_);
        session_fds_.push_back(fd);
        sessions_.emplace_back([this, fd] {
            serve_(fd);
            std::lock_guard lock(sessions_mutex_);
            std::erase(session_fds_, fd);
            ::close(fd);
        });
    }
}

// --- SMTP ---------------------------------------------------------------------------------------

std::string SmtpSink::Mail::Header(std::string_view name) const {
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t end = data.find("\r\n", pos);
        const std::string_view line(data.data() + pos, (end == std::string::npos ? data.size() : end) - pos);
        if (line.empty()) break;
        if (line.size() > name.size() && line[name.size()] == ':' &&
            strncasecmp(line.data(), name.data(), name.size()) == 0) {
            return std::string(Trim(line.substr(name.size() + 1)));
        }
        if (end == std::string::npos) break;
        pos = end + 2;
    }
    return {};
}

SmtpSink::SmtpSink(int port) : LoopbackServer(port) {
    Launch([this](int fd) { Serve(fd); });
}

SmtpSink::~SmtpSink() { Shutdown(); }

void SmtpSink::Serve(int fd) {
    std::string buffer;
    auto read_line = [&](std::string& line) {
        const std::size_t end = ReadUntil(fd, buffer, "\r\n");
        if (end == std::string::npos) return false;
        line = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        return true;
    };
    auto reply = [&](std::string_view text) { return SendAllFd(fd, std::string(text) + "\r\n"); };
    reply("220 sink ESMTP ready");
    Mail mail;
    std::string line;
    while (!Stopping() && read_line(line)) {
        std::string verb = line.substr(0, line.find(' '));
        for (char& c : verb) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (verb == "EHLO") {
            reply("250-sink greets you");
            reply("250-8BITMIME");
            reply("250 SIZE 10485760");
        } else if (verb == "HELO") {
            reply("250 sink");
        } else if (verb == "MAIL") {
            const Mode mode = mode_.load();
            if (mode == Mode::kTransientFailure) {
                reply("451 4.3.0 try again later");
                continue;
            }
            if (mode == Mode::kPermanentFailure) {
                reply("550 5.7.1 rejected");
                continue;
            }
            mail = Mail{};
            mail.from = line.substr(line.find(':') + 1);
            mail.from = mail.from.substr(0, mail.from.find(' '));  // drop SIZE=..., BODY=...
            reply("250 OK");
        } else if (verb == "RCPT") {
            mail.to.push_back(line.substr(line.find(':') + 1));
            reply("250 OK");
        } else if (verb == "DATA") {
            reply("354 end with <CRLF>.<CRLF>");
            std::string data;
            bool complete = false;
            while (read_line(line)) {
                if (line == ".") {
                    complete = true;
                    break;
                }
                if (line.starts_with("..")) line.erase(0, 1);
                data += line + "\r\n";
            }
            if (!complete) break;
            mail.data = std::move(data);
            {
                std::lock_guard lock(mutex_);
                mails_.push_back(std::move(mail));
            }
            mail = Mail{};
            reply("250 OK queued");
        } else if (verb == "RSET") {
            mail = Mail{};
            reply("250 OK");
        } else if (verb == "NOOP") {
            reply("250 OK");
        } else if (verb == "QUIT") {
            reply("221 bye");
            break;
        } else {
            reply("502 command not implemented");
        }
    }
}

std::vector<SmtpSink::Mail> SmtpSink::Mails() const {
    std::lock_guard lock(mutex_);
    return mails_;
}

std::size_t SmtpSink::Count() const {
    std::lock_guard lock(mutex_);
    return mails_.size();
}

std::map<std::string, int> SmtpSink::CountByMessageId() const {
    std::map<std::string, int> counts;
    for (const auto& mail : Mails()) ++counts[mail.Header("Message-ID")];
    return counts;
}

// --- HTTP ---------------------------------------------------------------------------------------

std::string HttpSink::Request::Header(std::string_view name) const {
    const auto it = headers.find(Lower(name));
    return it == headers.end() ? std::string() : it->second;
}

HttpSink::HttpSink(int port) : LoopbackServer(port) {
    Launch([this](int fd) { Serve(fd); });
}

HttpSink::~HttpSink() { Shutdown(); }

void HttpSink::Serve(int fd) {
    std::string buffer;
    while (!Stopping()) {
        const std::size_t head_end = ReadUntil(fd, buffer, "\r\n\r\n");
        if (head_end == std::string::npos) return;
        Request request;
        const std::string head = buffer.substr(0, head_end);
        buffer.erase(0, head_end + 4);
        std::size_t line_end = head.find("\r\n");
        const std::string request_line = head.substr(0, line_end);
        const std::size_t first_space = request_line.find(' ');
        const std::size_t second_space = request_line.find(' ', first_space + 1);
        request.method = request_line.substr(0, first_space);
        request.target = request_line.substr(first_space + 1, second_space - first_space - 1);
        while (line_end != std::string::npos) {
            const std::size_t start = line_end + 2;
            line_end = head.find("\r\n", start);
            const std::string_view line(head.data() + start,
                                        (line_end == std::string::npos ? head.size() : line_end) - start);
            const std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) continue;
            request.headers[Lower(line.substr(0, colon))] = std::string(Trim(line.substr(colon + 1)));
        }
        const std::string length_text = request.Header("content-length");
        const std::size_t length = length_text.empty() ? 0 : std::stoul(length_text);
        while (buffer.size() < length) {
            char chunk[16384];
            const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
            if (got <= 0) return;
            buffer.append(chunk, static_cast<std::size_t>(got));
        }
        request.body = buffer.substr(0, length);
        buffer.erase(0, length);
        const bool close = Lower(request.Header("connection")) == "close";
        {
            std::lock_guard lock(mutex_);
            requests_.push_back(std::move(request));
        }
        const int status = status_.load();
        const std::string response = "HTTP/1.1 " + std::to_string(status) +
                                     (status < 300 ? " OK" : " Error") +
                                     "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n" +
                                     (close ? "Connection: close\r\n" : "") + "\r\n{}";
        if (!SendAllFd(fd, response) || close) return;
    }
}

std::vector<HttpSink::Request> HttpSink::Requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<HttpSink::Request> HttpSink::RequestsTo(std::string_view prefix) const {
    std::vector<Request> out;
    std::lock_guard lock(mutex_);
    for (const auto& request : requests_) {
        if (request.target.starts_with(prefix)) out.push_back(request);
    }
    return out;
}

}  // namespace cosmic::testing
