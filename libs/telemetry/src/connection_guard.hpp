#pragma once
/// Keeps slow and greedy clients from holding civetweb's worker threads.
///
/// civetweb gives each connection a worker thread for its whole life, and its own read timeout
/// restarts with every byte received, so a client that trickles a request keeps a thread as
/// long as it likes; enough of them and nothing else (not even /healthz) is served. The guard
/// tracks every connection's phase and cuts it (shuts its socket for reading, so the worker's
/// read returns at once and the worker can still answer) when:
///   - its request line and headers have not all arrived within header_timeout,
///   - its body has not all arrived within body_timeout of the headers,
///   - its client address opens more than max_per_client connections (the client's oldest
///     stalled connection goes; the new one only when none of them is stalled),
///   - the server is one connection short of running out of workers (the oldest stalled
///     connection of any client goes, so one worker always stays free for a new request).
/// "Stalled" means waiting on the client: headers, body, or an idle keep-alive connection.
/// A request being handled and an open WebSocket are never cut.

#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

#include "cosmic/telemetry/logging.hpp"

namespace cosmic::telemetry::detail {

enum class CutReason {
    kNone,
    kHeaderTimeout,  ///< headers not received in time
    kBodyTimeout,    ///< body not received in time
    kEvicted,        ///< a stalled connection made room for a new one
    kClientLimit,    ///< the client already has max_per_client busy connections
};

struct ConnectionGuardOptions {
    std::chrono::milliseconds header_timeout{10000};
    std::chrono::milliseconds body_timeout{10000};
    std::size_t max_per_client = 16;
    std::size_t capacity = 68;  ///< worker threads
};

class ConnectionGuard {
  public:
    using Clock = std::chrono::steady_clock;
    using Key = const void*;  ///< civetweb's connection object, stable for the connection's life
    struct Peer {
        std::string remote_addr;
        int remote_port = 0;
        int local_port = 0;
    };
    /// The connection's addresses, or nullopt while they cannot be read yet. civetweb hides them
    /// during its init_connection callback, so they are read a moment later from the guard's
    /// thread; the connection stays registered (its object valid) until Closed().
    using PeerOf = std::function<std::optional<Peer>(Key)>;

    ConnectionGuard(ConnectionGuardOptions options, PeerOf peer_of, prometheus::Registry& registry);
    ~ConnectionGuard();
    ConnectionGuard(const ConnectionGuard&) = delete;
    ConnectionGuard& operator=(const ConnectionGuard&) = delete;

    /// A worker took a new connection; its headers are awaited.
    void Opened(Key key);
    /// The headers are in and a body is expected.
    void AwaitingBody(Key key);
    /// The request is complete and being handled (or the connection became a WebSocket).
    void Handling(Key key);
    /// The response is sent; the connection waits for the client's next request.
    void Idle(Key key);
    /// civetweb is closing the connection.
    void Closed(Key key);
    /// Why the connection was cut, kNone when it was not.
    CutReason Reason(Key key) const;

    void Stop();

  private:
    enum class Phase { kHeader, kBody, kHandling, kIdle };
    struct Entry {
        std::optional<Peer> peer;  ///< nullopt until read
        Phase phase = Phase::kHeader;
        Clock::time_point since;  ///< when the current request, or the wait for the next, began
        Clock::time_point deadline = Clock::time_point::max();
        CutReason cut = CutReason::kNone;
    };

    static bool Stalled(const Entry& entry) {
        return entry.peer && entry.cut == CutReason::kNone && entry.phase != Phase::kHandling;
    }
    /// The stalled connection to give up first (idle keep-alive ones, then the oldest request),
    /// among those of `remote_addr` (all when empty), never `except`; nullptr when none.
    Entry* Victim(const std::string& remote_addr, Key except);
    void Cut(Entry& entry, CutReason reason);
    /// Reads the addresses of new connections and applies the per-client limit to them;
    /// returns whether some are still unreadable.
    bool ResolvePeers();
    void RelievePressure();
    void SetPhase(Key key, Phase phase, Clock::duration timeout);
    void Reap();

    const ConnectionGuardOptions options_;
    const PeerOf peer_of_;
    prometheus::Counter& cut_header_;
    prometheus::Counter& cut_body_;
    prometheus::Counter& cut_evicted_;
    prometheus::Counter& cut_client_limit_;
    RateLimiter log_limiter_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::unordered_map<Key, Entry> entries_;
    std::thread reaper_;  // last: started after the members it uses exist
};

}  // namespace cosmic::telemetry::detail
