#pragma once
/// Local peers a service delivers to, for the tests that check what it delivered: an SMTP server
/// that keeps every mail (the notification channel's sink) and an HTTP server that keeps every
/// request (webhooks, Alertmanager-format alert posts). Both listen on 127.0.0.1, port 0 by default.

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cosmic::testing {

/// Listens on 127.0.0.1:`port` (0 = any free port); returns the socket and sets `bound_port`.
/// Throws std::runtime_error when the port cannot be bound.
int ListenLoopback(int port, int& bound_port);

/// The accept loop and per-connection threads both sinks share.
class LoopbackServer {
  public:
    LoopbackServer(const LoopbackServer&) = delete;
    LoopbackServer& operator=(const LoopbackServer&) = delete;

    int Port() const { return port_; }
    /// Connections accepted so far.
    std::size_t Connections() const { return connections_.load(); }

  protected:
    /// Binds; the subclass calls Launch() once it is ready to serve.
    explicit LoopbackServer(int port);
    /// Stops accepting, shuts every open connection down and joins their threads. A subclass calls
    /// it first in its destructor (its Serve may still run until then).
    void Shutdown();
    void Launch(std::function<void(int fd)> serve);
    bool Stopping() const { return stopping_.load(); }

  private:
    void Accept();

    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<std::size_t> connections_{0};
    std::function<void(int)> serve_;
    std::thread acceptor_;
    std::mutex sessions_mutex_;
    std::vector<std::thread> sessions_;
    std::vector<int> session_fds_;
};

/// An SMTP server that keeps every mail it accepts (no TLS, no AUTH).
class SmtpSink : public LoopbackServer {
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

    std::string Url() const { return "smtp://127.0.0.1:" + std::to_string(Port()); }
    void SetMode(Mode mode) { mode_.store(mode); }
    std::vector<Mail> Mails() const;
    std::size_t Count() const;
    /// Mails by Message-ID.
    std::map<std::string, int> CountByMessageId() const;

  private:
    void Serve(int fd);

    std::atomic<Mode> mode_{Mode::kAccept};
    mutable std::mutex mutex_;
    std::vector<Mail> mails_;
};

/// An HTTP/1.1 server that keeps every request it gets and answers each with `status` and an
/// empty JSON object. Understands Content-Length bodies and keep-alive (what webhook senders use).
class HttpSink : public LoopbackServer {
  public:
    struct Request {
        std::string method;
        std::string target;
        std::map<std::string, std::string> headers;  ///< names lower-cased
        std::string body;
        std::string Header(std::string_view name) const;
    };

    explicit HttpSink(int port = 0);
    ~HttpSink();

    std::string Url(std::string_view path) const { return "http://127.0.0.1:" + std::to_string(Port()) + std::string(path); }
    /// Status answered from now on (200 by default).
    void SetStatus(int status) { status_.store(status); }
    std::vector<Request> Requests() const;
    /// Requests whose target starts with `prefix`.
    std::vector<Request> RequestsTo(std::string_view prefix) const;

  private:
    void Serve(int fd);

    std::atomic<int> status_{200};
    mutable std::mutex mutex_;
    std::vector<Request> requests_;
};

}  // namespace cosmic::testing
