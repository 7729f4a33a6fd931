#pragma once
/// A plain TCP connection to a local server, for what an HTTP library will not send: bodies that
/// are announced but never sent, interim responses read by hand, a deliberately slow reader. The
/// WebSocket client is built on it.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace cosmic::testing {

/// How long a read waits for the peer unless the caller says otherwise.
inline constexpr std::chrono::milliseconds kDefaultReadTimeout{std::chrono::seconds(30)};

class RawSocket {
  public:
    /// Connects to 127.0.0.1:`port`; throws std::runtime_error when nothing listens there.
    /// `receive_buffer` > 0 shrinks SO_RCVBUF before connecting (a slow reader).
    explicit RawSocket(int port, int receive_buffer = 0);
    ~RawSocket();
    RawSocket(const RawSocket&) = delete;
    RawSocket& operator=(const RawSocket&) = delete;

    /// Sends everything; false when the peer closed.
    bool SendAll(std::string_view data);
    /// Reads one response: the head up to "\r\n\r\n" plus Content-Length bytes of body. Returns
    /// the raw text, or what arrived when the peer closed or `timeout` passed first.
    std::string ReadHttpResponse(std::chrono::milliseconds timeout = kDefaultReadTimeout);
    /// Exactly `n` bytes; nullopt on EOF, error or when `timeout` passes first (nothing consumed).
    std::optional<std::string> ReadExactly(std::size_t n, std::chrono::milliseconds timeout = kDefaultReadTimeout);

    /// Bytes received but not read yet; a parser takes what it used with Consume().
    const std::string& Buffered() const { return pending_; }
    void Consume(std::size_t n) { pending_.erase(0, n); }
    /// Waits until more bytes arrived (appended to Buffered()); false on EOF, error or deadline.
    bool ReceiveMore(std::chrono::steady_clock::time_point deadline);

    int fd() const { return fd_; }

  private:
    int fd_ = -1;
    std::string pending_;  ///< bytes read past the last message
};

/// True once the server closed the connection on `fd` (EOF or reset); reads what is there without
/// waiting. Bytes read on the way are appended to `received` when given.
bool ClosedByServer(int fd, std::string* received = nullptr);

/// Sends one byte to each of its sockets every 200 ms, like a slowloris client, until destroyed.
class Trickler {
  public:
    explicit Trickler(std::vector<int> fds);
    ~Trickler();
    Trickler(const Trickler&) = delete;
    Trickler& operator=(const Trickler&) = delete;

  private:
    void Run();

    std::vector<int> fds_;
    std::mutex mutex_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;  // last: started after the members it uses exist
};

}  // namespace cosmic::testing
