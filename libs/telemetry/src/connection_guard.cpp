#include "connection_guard.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <utility>

#include "socket_lookup.hpp"

namespace cosmic::telemetry::detail {
namespace {

prometheus::Counter& CutCounter(prometheus::Family<prometheus::Counter>& family, const char* reason) {
    return family.Add({{"reason", reason}});
}

prometheus::Family<prometheus::Counter>& CutFamily(prometheus::Registry& registry) {
    return prometheus::BuildCounter()
        .Name("cosmic_http_connections_cut_total")
        .Help("Client connections the server closed before they completed a request, by reason")
        .Register(registry);
}

const char* ReasonText(CutReason reason) {
    switch (reason) {
        case CutReason::kHeaderTimeout:
            return "header_timeout";
        case CutReason::kBodyTimeout:
            return "body_timeout";
        case CutReason::kEvicted:
            return "evicted";
        case CutReason::kClientLimit:
            return "client_limit";
        case CutReason::kNone:
            break;
    }
    return "none";
}

}  // namespace

ConnectionGuard::ConnectionGuard(ConnectionGuardOptions options, PeerOf peer_of, prometheus::Registry& registry)
    : options_(options),
      peer_of_(std::move(peer_of)),
      cut_header_(CutCounter(CutFamily(registry), "header_timeout")),
      cut_body_(CutCounter(CutFamily(registry), "body_timeout")),
      cut_evicted_(CutCounter(CutFamily(registry), "evicted")),
      cut_client_limit_(CutCounter(CutFamily(registry), "client_limit")),
      reaper_([this] { Reap(); }) {}

ConnectionGuard::~ConnectionGuard() { Stop(); }

void ConnectionGuard::Stop() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (reaper_.joinable()) {
        reaper_.join();
    }
}

void ConnectionGuard::Opened(Key key) {
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mutex_);
    Entry& entry = entries_[key];
    entry = Entry{std::nullopt, Phase::kHeader, now, now + options_.header_timeout};
    // The older connections' addresses are readable by now, even when the guard's thread has
    // not run since they opened (a busy host), and a victim must have one.
    ResolvePeers();
    RelievePressure();
    wake_.notify_all();
}

/// One worker is kept free: the connection after the last one must find a thread, or it waits
/// in civetweb's queue, where no callback (and so no deadline or eviction) reaches it.
void ConnectionGuard::RelievePressure() {
    std::size_t live = 0;
    for (const auto& [key, entry] : entries_) {
        live += entry.cut == CutReason::kNone ? 1 : 0;
    }
    if (live + 1 >= options_.capacity) {
        if (Entry* victim = Victim("", nullptr)) {
            Cut(*victim, CutReason::kEvicted);
        }
    }
}

void ConnectionGuard::AwaitingBody(Key key) { SetPhase(key, Phase::kBody, options_.body_timeout); }

void ConnectionGuard::Handling(Key key) { SetPhase(key, Phase::kHandling, Clock::duration::zero()); }

void ConnectionGuard::Idle(Key key) { SetPhase(key, Phase::kIdle, options_.header_timeout); }

void ConnectionGuard::Closed(Key key) {
    std::lock_guard lock(mutex_);
    entries_.erase(key);
}

CutReason ConnectionGuard::Reason(Key key) const {
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    return it == entries_.end() ? CutReason::kNone : it->second.cut;
}

void ConnectionGuard::SetPhase(Key key, Phase phase, Clock::duration timeout) {
    const Clock::time_point now = Clock::now();
    std::lock_guard lock(mutex_);
    const auto it = entries_.find(key);
    if (it == entries_.end()) {
        return;
    }
    Entry& entry = it->second;
    if (phase == Phase::kIdle || entry.phase == Phase::kIdle) {
        entry.since = now;  // a new request, or a new wait for one; a body continues its request
    }
    entry.phase = phase;
    entry.deadline = phase == Phase::kHandling ? Clock::time_point::max() : now + timeout;
    wake_.notify_all();
}

ConnectionGuard::Entry* ConnectionGuard::Victim(const std::string& remote_addr, Key except) {
    // An idle keep-alive connection costs its client nothing to lose. Among requests, the one
    // waited on longest goes: a new request (a health probe) is never preferred to an old,
    // slow one, whatever phase each is in.
    const auto rank = [](Phase phase) { return phase == Phase::kIdle ? 0 : 1; };
    Entry* victim = nullptr;
    for (auto& [key, entry] : entries_) {
        if (key == except || !Stalled(entry) || (!remote_addr.empty() && entry.peer->remote_addr != remote_addr)) {
            continue;
        }
        if (victim == nullptr ||
            std::make_pair(rank(entry.phase), entry.since) < std::make_pair(rank(victim->phase), victim->since)) {
            victim = &entry;
        }
    }
    return victim;
}

/// Shuts the socket for reading only: the worker's read returns at once, and it can still write
/// a response (408, 503) before civetweb closes the connection. Called with mutex_ held, so the
/// connection, still registered, cannot close its socket meanwhile (Closed() waits for mutex_).
void ConnectionGuard::Cut(Entry& entry, CutReason reason) {
    entry.cut = reason;
    entry.deadline = Clock::time_point::max();
    switch (reason) {
        case CutReason::kHeaderTimeout:
            cut_header_.Increment();
            break;
        case CutReason::kBodyTimeout:
            cut_body_.Increment();
            break;
        case CutReason::kEvicted:
            cut_evicted_.Increment();
            break;
        case CutReason::kClientLimit:
            cut_client_limit_.Increment();
            break;
        case CutReason::kNone:
            break;
    }
    const int fd = FindOwnSocket(entry.peer->remote_addr, entry.peer->remote_port, entry.peer->local_port);
    if (fd >= 0 && ::shutdown(fd, SHUT_RD) == 0) {
        return;
    }
    std::uint64_t suppressed = 0;
    if (log_limiter_.Allow(suppressed)) {
        spdlog::warn("http server: cannot cut connection from {}:{} ({}); {} similar suppressed",
                     entry.peer->remote_addr, entry.peer->remote_port, ReasonText(reason), suppressed);
    }
}

bool ConnectionGuard::ResolvePeers() {
    bool pending = false;
    // Per address, its newest connection read here: the limit is applied once all of them are
    // read, so an old slow connection read late in this pass is still the one given up.
    std::map<std::string, std::pair<Clock::time_point, Key>, std::less<>> newest;
    for (auto& [key, entry] : entries_) {
        if (entry.peer) {
            continue;
        }
        entry.peer = peer_of_(key);
        if (!entry.peer) {
            pending = true;
            continue;
        }
        auto [it, added] = newest.try_emplace(entry.peer->remote_addr, entry.since, key);
        if (!added && it->second.first < entry.since) {
            it->second = {entry.since, key};
        }
    }
    for (const auto& [address, newest_entry] : newest) {
        std::size_t live = 0;
        for (const auto& [key, entry] : entries_) {
            live += entry.peer && entry.cut == CutReason::kNone && entry.peer->remote_addr == address ? 1 : 0;
        }
        for (; live > options_.max_per_client; --live) {
            if (Entry* victim = Victim(address, newest_entry.second)) {
                Cut(*victim, CutReason::kEvicted);
                continue;
            }
            Entry& entry = entries_.at(newest_entry.second);
            if (entry.cut == CutReason::kNone) {
                Cut(entry, CutReason::kClientLimit);
            }
            break;
        }
    }
    return pending;
}

void ConnectionGuard::Reap() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const bool pending = ResolvePeers();
        RelievePressure();  // a connection found stalled only now may be the one to give up
        if (pending) {
            // A worker is between civetweb's init_connection callback and its first read.
            wake_.wait_for(lock, std::chrono::milliseconds(1));
            continue;
        }
        const Clock::time_point now = Clock::now();
        Clock::time_point next = Clock::time_point::max();
        for (auto& [key, entry] : entries_) {
            if (entry.deadline <= now && entry.cut == CutReason::kNone) {
                Cut(entry, entry.phase == Phase::kBody ? CutReason::kBodyTimeout : CutReason::kHeaderTimeout);
            }
            next = std::min(next, entry.deadline);
        }
        if (next == Clock::time_point::max()) {
            wake_.wait(lock);
        } else {
            wake_.wait_until(lock, next);
        }
    }
}

}  // namespace cosmic::telemetry::detail
