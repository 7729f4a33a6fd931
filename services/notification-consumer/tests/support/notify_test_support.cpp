#include "notify_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "cosmic/notification_consumer/webhook_client.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "cosmic/testing/tokens.hpp"

namespace cosmic::notification::testing {

namespace {

bool SendAllFd(int fd, std::string_view data) {
    while (!data.empty()) {
        const ssize_t sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent <= 0) return false;
        data.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
}

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
        throw std::runtime_error("bind/listen failed on port " + std::to_string(port));
    }
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    bound_port = ntohs(address.sin_port);
    return fd;
}

}  // namespace

std::string WriteTokensFile(const std::filesystem::path& dir, const std::vector<TokenEntry>& tokens) {
    std::vector<cosmic::testing::TokenSpec> specs;
    for (const auto& entry : tokens) specs.push_back({entry.token, entry.user_id, {entry.role}});
    const auto path = dir / "tokens.json";
    cosmic::testing::WriteTokensFile(path, specs);
    return path.string();
}

std::string LifecycleJson(std::string_view event_id, std::string_view event_type, std::string_view job_id,
                          std::string_view user_id, std::string_view job_name) {
    schema::Event event = schema::NewEvent(schema::TopicId::kJobLifecycle, event_type, "job-orchestrator");
    event.event_id = event_id;
    event.job_id = job_id;
    event.user_id = user_id;
    event.correlation_id = "corr-" + std::string(job_id);
    std::string payload;
    schema::JsonWriter w(payload);
    w.BeginObject();
    w.Key("name").String(job_name);
    w.Key("kind").String("imaging");
    if (event_type == "job.completed") w.Key("execution_time_ms").Int(83'456);
    if (event_type == "job.failed") w.Key("error").String("out of memory").Key("error_code").String("OOM");
    if (event_type == "job.cancelled") w.Key("reason").String("user request");
    w.EndObject();
    event.payload = payload;
    return schema::Serialize(event);
}

void AddKafkaEnv(const std::map<std::string, std::string>& properties,
                 std::map<std::string, std::string, std::less<>>& env) {
    for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(properties)) env[name] = value;
}

int ClosedPort() {
    int port = 0;
    const int fd = ListenLoopback(0, port);
    ::close(fd);
    return port;
}

HttpResult Http(std::string_view method, int port, const std::string& target, const std::string& token,
                const std::string& body) {
    return cosmic::testing::HttpClient(port, std::chrono::seconds(10)).Call(method, target, body, token);
}

// --- SMTP sink --------------------------------------------------------------------------------

std::string SmtpSink::Mail::Header(std::string_view name) const {
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::size_t end = data.find("\r\n", pos);
        const std::string_view line(data.data() + pos, (end == std::string::npos ? data.size() : end) - pos);
        if (line.empty()) break;
        if (line.size() > name.size() && line[name.size()] == ':' &&
            strncasecmp(line.data(), name.data(), name.size()) == 0) {
            std::string_view value = line.substr(name.size() + 1);
            while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
            return std::string(value);
        }
        if (end == std::string::npos) break;
        pos = end + 2;
    }
    return {};
}

SmtpSink::SmtpSink(int port) {
    listen_fd_ = ListenLoopback(port, port_);
    acceptor_ = std::thread([this] { Accept(); });
}

SmtpSink::~SmtpSink() {
    stopping_.store(true);
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    std::vector<std::thread> sessions;
    {
        std::lock_guard lock(mutex_);
        for (const int fd : session_fds_) ::shutdown(fd, SHUT_RDWR);
        sessions.swap(sessions_);
    }
    for (auto& session : sessions) session.join();
}

void SmtpSink::Accept() {
    while (!stopping_.load()) {
        pollfd descriptor{listen_fd_, POLLIN, 0};
        if (::poll(&descriptor, 1, 100) <= 0) continue;
        const int fd = ::accept(listen_fd_, nullptr, nullptr);
        if (fd < 0) continue;
        connections_.fetch_add(1);
        std::lock_guard lock(mutex_);
        session_fds_.push_back(fd);
        sessions_.emplace_back([this, fd] { Serve(fd); });
    }
}

void SmtpSink::Serve(int fd) {
    std::string buffer;
    auto read_line = [&](std::string& line) {
        while (true) {
            const std::size_t end = buffer.find("\r\n");
            if (end != std::string::npos) {
                line = buffer.substr(0, end);
                buffer.erase(0, end + 2);
                return true;
            }
            char chunk[4096];
            const ssize_t got = ::recv(fd, chunk, sizeof chunk, 0);
            if (got <= 0) return false;
            buffer.append(chunk, static_cast<std::size_t>(got));
        }
    };
    auto reply = [&](std::string_view text) { return SendAllFd(fd, std::string(text) + "\r\n"); };
    reply("220 sink ESMTP ready");
    Mail mail;
    std::string line;
    while (!stopping_.load() && read_line(line)) {
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
    std::lock_guard lock(mutex_);
    std::erase(session_fds_, fd);
    ::close(fd);
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

// --- webhook receiver -------------------------------------------------------------------------

WebhookReceiver::WebhookReceiver(std::map<std::string, std::string> secrets) : secrets_(std::move(secrets)) {
    telemetry::HttpServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.threads = 8;
    server_ = std::make_unique<telemetry::HttpServer>(options, std::make_shared<prometheus::Registry>());
    server_->Route("POST", "/hooks/{user}", [this](const telemetry::HttpRequest& request) {
        Hook hook;
        hook.user_id = std::string(request.Param("user"));
        hook.body = request.body;
        hook.delivery_id = std::string(request.Header(kDeliveryHeader).value_or(""));
        const std::string timestamp(request.Header(kTimestampHeader).value_or(""));
        const std::string signature(request.Header(kSignatureHeader).value_or(""));
        if (!timestamp.empty()) hook.timestamp = std::stoll(timestamp);
        const auto secret = secrets_.find(hook.user_id);
        if (secret != secrets_.end()) {
            // What a receiver does: recompute over the raw body, compare in constant time.
            const std::string expected = WebhookSignature(secret->second, timestamp, request.body);
            hook.signature_valid = expected.size() == signature.size() &&
                                   CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
        }
        const int status = status_.load();
        {
            std::lock_guard lock(mutex_);
            hooks_.push_back(std::move(hook));
        }
        return telemetry::HttpResponse::Json(status, "{}");
    });
    server_->Start();
    port_ = server_->Port();
}

WebhookReceiver::~WebhookReceiver() { server_->Stop(); }

std::string WebhookReceiver::UrlFor(std::string_view user_id) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/" + std::string(user_id);
}

std::vector<WebhookReceiver::Hook> WebhookReceiver::Hooks() const {
    std::lock_guard lock(mutex_);
    return hooks_;
}

std::size_t WebhookReceiver::Count() const {
    std::lock_guard lock(mutex_);
    return hooks_.size();
}

}  // namespace cosmic::notification::testing
