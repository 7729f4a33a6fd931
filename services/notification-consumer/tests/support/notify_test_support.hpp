#pragma once
// Test peers for notification-consumer, in one place until libs/testing replaces them: an HTTP
// client, a WebSocket client, an SMTP sink (a small in-process SMTP server), a webhook receiver
// that checks signatures, a scratch directory, file writers and a wait-until helper.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::notification::testing {

/// Polls `predicate` every few milliseconds until it is true or `timeout` passes; returns its
/// last result.
bool WaitUntil(const std::function<bool()>& predicate, std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A temporary directory removed with everything in it.
class ScratchDir {
  public:
    ScratchDir();
    ~ScratchDir();
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
    const std::filesystem::path& Path() const { return path_; }

  private:
    std::filesystem::path path_;
};

void WriteFile(const std::filesystem::path& path, std::string_view text);

struct TokenEntry {
    std::string token;
    std::string user_id;
    std::string role = "user";
};
/// Writes a tokens file (sha256 of each token) and returns its path.
std::string WriteTokensFile(const std::filesystem::path& dir, const std::vector<TokenEntry>& tokens);

/// A job-lifecycle event as JSON. Terminal payloads carry name/kind plus the type's fields.
std::string LifecycleJson(std::string_view event_id, std::string_view event_type, std::string_view job_id,
                          std::string_view user_id, std::string_view job_name = "nightly-build");

/// KAFKA_<PROP> environment entries for librdkafka properties ("fetch.wait.max.ms" ->
/// KAFKA_FETCH_WAIT_MAX_MS), added to `env`.
void AddKafkaEnv(const std::map<std::string, std::string>& properties,
                 std::map<std::string, std::string, std::less<>>& env);

/// A program run as a child process with `env` (plus the parent's environment minus KAFKA_* and
/// COSMIC_*); killed with SIGKILL when destroyed still running.
class ChildProcess {
  public:
    ChildProcess(const std::string& binary, const std::map<std::string, std::string, std::less<>>& env);
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    bool Running() const { return pid_ > 0; }
    /// SIGKILL and reap.
    void Kill();
    /// SIGTERM; returns the exit status (128 + signal when killed by one).
    int Terminate();

  private:
    int Wait();
    int pid_ = -1;
};

/// A free TCP port on 127.0.0.1 with nothing listening on it (for "server down").
int ClosedPort();

struct HttpResult {
    long status = 0;
    std::string body;
};
/// `method` http://127.0.0.1:<port><target> with an optional bearer token and JSON body.
HttpResult Http(std::string_view method, int port, const std::string& target, const std::string& token = {},
                const std::string& body = {});

class WsClient {
  public:
    /// Connects to 127.0.0.1:port and upgrades `target` (path + optional "?query").
    WsClient(int port, const std::string& target, const std::string& token = {});
    ~WsClient();
    WsClient(const WsClient&) = delete;
    WsClient& operator=(const WsClient&) = delete;
    /// HTTP status of the upgrade response (101 when accepted).
    int Status() const { return status_; }
    /// The payload of the next text frame; nullopt on close, EOF or timeout.
    std::optional<std::string> ReadText(std::chrono::milliseconds timeout);

  private:
    bool SendAll(std::string_view data);
    std::optional<std::string> Read(std::size_t n, std::chrono::steady_clock::time_point deadline);
    int fd_ = -1;
    int status_ = 0;
    std::string pending_;
};

/// An SMTP server on 127.0.0.1 (port 0 = any free one) that keeps every mail it accepts.
class SmtpSink {
  public:
    struct Mail {
        std::string from;
        std::vector<std::string> to;
        std::string data;  ///< headers + body as received (dot-unstuffed, CRLF)
        /// A header's value from `data` ("" when absent).
        std::string Header(std::string_view name) const;
    };
    /// What the sink answers to MAIL FROM.
    enum class Mode { kAccept, kTransientFailure, kPermanentFailure };

    explicit SmtpSink(int port = 0);
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    int Port() const { return port_; }
    std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
    void SetMode(Mode mode) { mode_.store(mode); }
    std::vector<Mail> Mails() const;
    std::size_t Count() const;
    /// Mails by Message-ID.
    std::map<std::string, int> CountByMessageId() const;
    std::size_t Connections() const { return connections_.load(); }

  private:
    void Accept();
    void Serve(int fd);

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<Mode> mode_{Mode::kAccept};
    std::atomic<std::size_t> connections_{0};
    std::thread acceptor_;
    mutable std::mutex mutex_;
    std::vector<Mail> mails_;
    std::vector<std::thread> sessions_;
    std::vector<int> session_fds_;
};

/// An HTTP server on port 0 that takes webhook POSTs at /hooks/<user_id>, checks the signature
/// against the user's secret and keeps what arrived.
class WebhookReceiver {
  public:
    struct Hook {
        std::string user_id;
        std::string delivery_id;
        std::string body;
        bool signature_valid = false;
        std::int64_t timestamp = 0;
    };
    explicit WebhookReceiver(std::map<std::string, std::string> secrets);
    ~WebhookReceiver();

    int Port() const { return port_; }
    std::string UrlFor(std::string_view user_id) const;
    /// Status answered from now on (200 by default).
    void SetStatus(int status) { status_.store(status); }
    std::vector<Hook> Hooks() const;
    std::size_t Count() const;

  private:
    std::map<std::string, std::string> secrets_;
    std::unique_ptr<telemetry::HttpServer> server_;
    int port_ = 0;
    std::atomic<int> status_{200};
    mutable std::mutex mutex_;
    std::vector<Hook> hooks_;
};

}  // namespace cosmic::notification::testing
