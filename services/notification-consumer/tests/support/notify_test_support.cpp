#include "notify_test_support.hpp"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

#include "cosmic/notification_consumer/webhook_client.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/service/auth.hpp"

extern char** environ;

namespace cosmic::notification::testing {

namespace {

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* out) {
    static_cast<std::string*>(out)->append(data, size * count);
    return size * count;
}

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

bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        if (predicate()) return true;
        if (std::chrono::steady_clock::now() >= deadline) return predicate();
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

ScratchDir::ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "notify-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
}

ScratchDir::~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
}

void WriteFile(const std::filesystem::path& path, std::string_view text) {
    // Write then rename, as a config manager would: readers never see half a file.
    const std::filesystem::path temp = path.string() + ".tmp";
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
        if (!out) throw std::runtime_error("cannot write " + temp.string());
    }
    std::filesystem::rename(temp, path);
}

std::string WriteTokensFile(const std::filesystem::path& dir, const std::vector<TokenEntry>& tokens) {
    std::string json;
    schema::JsonWriter w(json);
    w.BeginObject().Key("tokens").BeginArray();
    for (const auto& entry : tokens) {
        w.BeginObject();
        w.Key("sha256").String(service::Authenticator::HashHex(entry.token));
        w.Key("user_id").String(entry.user_id);
        w.Key("roles").BeginArray().String(entry.role).EndArray();
        w.EndObject();
    }
    w.EndArray().EndObject();
    const auto path = dir / "tokens.json";
    WriteFile(path, json);
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
    for (const auto& [property, value] : properties) {
        std::string name = "KAFKA_";
        for (const char c : property) {
            if (c == '.') {
                name += '_';
            } else if (c == '_') {
                name += "__";
            } else {
                name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            }
        }
        env[name] = value;
    }
}

ChildProcess::ChildProcess(const std::string& binary, const std::map<std::string, std::string, std::less<>>& env) {
    std::vector<std::string> entries;
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (!entry.starts_with("KAFKA_") && !entry.starts_with("COSMIC_")) entries.emplace_back(entry);
    }
    for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
    std::vector<char*> envp;
    for (auto& entry : entries) envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::string program = binary;
    char* argv[] = {program.data(), nullptr};
    pid_t pid = -1;
    if (posix_spawn(&pid, program.c_str(), nullptr, nullptr, argv, envp.data()) != 0) pid = -1;
    pid_ = pid;
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) Kill();
}

void ChildProcess::Kill() {
    ::kill(pid_, SIGKILL);
    Wait();
}

int ChildProcess::Terminate() {
    ::kill(pid_, SIGTERM);
    return Wait();
}

int ChildProcess::Wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int ClosedPort() {
    int port = 0;
    const int fd = ListenLoopback(0, port);
    ::close(fd);
    return port;
}

HttpResult Http(std::string_view method, int port, const std::string& target, const std::string& token,
                const std::string& body) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) throw std::runtime_error("curl_easy_init failed");
    HttpResult result;
    const std::string url = "http://127.0.0.1:" + std::to_string(port) + target;
    const std::string verb(method);
    curl_slist* headers = nullptr;
    if (!token.empty()) headers = curl_slist_append(headers, ("Authorization: Bearer " + token).c_str());
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, verb.c_str());
    if (verb == "POST") {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) throw std::runtime_error(verb + " " + url + ": " + curl_easy_strerror(code));
    return result;
}

// --- WebSocket client -------------------------------------------------------------------------

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

bool WsClient::SendAll(std::string_view data) { return SendAllFd(fd_, data); }

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
    }
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
