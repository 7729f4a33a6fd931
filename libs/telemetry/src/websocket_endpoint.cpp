#include "websocket_endpoint.hpp"

#include <civetweb.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <deque>
#include <thread>
#include <utility>
#include <vector>

#include "civet_glue.hpp"
#include "socket_lookup.hpp"
#include "websocket_frames.hpp"

namespace cosmic::telemetry::detail {
namespace {

std::atomic<WebSocketEndpoint::ConnectionId> next_connection_id{1};

std::string ClosePayload(std::uint16_t code, std::string_view reason) {
    std::string payload;
    payload.push_back(static_cast<char>(code >> 8U));
    payload.push_back(static_cast<char>(code & 0xFFU));
    payload.append(reason.substr(0, 123));  // a control frame carries at most 125 bytes
    return payload;
}

prometheus::Counter& PathCounter(prometheus::Registry& registry, const std::string& name, const std::string& help,
                                 const std::string& path) {
    return prometheus::BuildCounter().Name(name).Help(help).Register(registry).Add({{"path", path}});
}

prometheus::Counter& RejectedCounter(prometheus::Registry& registry, const std::string& path,
                                     const std::string& reason) {
    return prometheus::BuildCounter()
        .Name("cosmic_websocket_rejected_total")
        .Help("WebSocket upgrades refused, by reason")
        .Register(registry)
        .Add({{"path", path}, {"reason", reason}});
}

}  // namespace

struct WebSocketEndpointImpl::Connection {
    struct Frame {
        int opcode = MG_WEBSOCKET_OPCODE_TEXT;
        std::string data;
    };

    Connection(ConnectionId connection_id, WebSocketEndpointImpl& owner)
        : id(connection_id), endpoint(owner), frames(owner.shared_.options.max_websocket_message_bytes) {}

    /// Ends the TCP connection so civetweb's read loop and any blocked write return at once.
    /// Called with `mutex` held; the descriptor stays valid until Finalize() clears it, because
    /// civetweb closes the socket only after the close callback returns.
    void ShutdownLocked() {
        if (fd >= 0) {
            ::shutdown(fd, SHUT_RDWR);
        } else {
            shutdown_requested = true;
        }
    }

    const ConnectionId id;
    WebSocketEndpointImpl& endpoint;

    std::mutex mutex;
    std::condition_variable wake;
    std::deque<Frame> queue;
    mg_connection* conn = nullptr;  ///< set when the handshake completes
    int fd = -1;
    bool closing = false;  ///< Send() refuses; a close frame may be queued
    bool close_sent = false;
    bool stop_writer = false;
    bool writing = false;
    bool finalized = false;
    bool shutdown_requested = false;  ///< a drop before the socket was known
    std::thread writer;

    // Fragment reassembly; touched only by the worker thread.
    FrameAssembler frames;
};

WebSocketEndpointImpl::WebSocketEndpointImpl(std::string path, Callbacks callbacks, WebSocketShared& shared,
                                             prometheus::Registry& registry)
    : path_(std::move(path)),
      callbacks_(std::move(callbacks)),
      shared_(shared),
      connections_gauge_(prometheus::BuildGauge()
                             .Name("cosmic_websocket_connections")
                             .Help("Open WebSocket connections")
                             .Register(registry)
                             .Add({{"path", path_}})),
      dropped_(PathCounter(registry, "cosmic_websocket_dropped_total",
                           "WebSocket connections closed because their send queue was full", path_)),
      sent_(PathCounter(registry, "cosmic_websocket_messages_sent_total", "WebSocket text messages sent", path_)),
      received_(
          PathCounter(registry, "cosmic_websocket_messages_received_total", "WebSocket text messages received", path_)),
      rejected_forbidden_(RejectedCounter(registry, path_, "forbidden")),
      rejected_capacity_(RejectedCounter(registry, path_, "capacity")),
      rejected_shutting_down_(RejectedCounter(registry, path_, "shutting_down")),
      rejected_error_(RejectedCounter(registry, path_, "error")) {}

WebSocketEndpointImpl::~WebSocketEndpointImpl() {
    // civetweb has stopped by now, so every connection went through Finalize(); this only
    // guards against a writer thread outliving its endpoint.
    std::vector<std::shared_ptr<Connection>> left;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, connection] : connections_) {
            left.push_back(connection);
        }
    }
    for (auto& connection : left) {
        {
            std::lock_guard lock(connection->mutex);
            connection->stop_writer = true;
            connection->wake.notify_all();
        }
        if (connection->writer.joinable()) {
            connection->writer.join();
        }
    }
}

std::shared_ptr<WebSocketEndpointImpl::Connection> WebSocketEndpointImpl::Find(ConnectionId id) const {
    std::lock_guard lock(mutex_);
    const auto it = connections_.find(id);
    return it == connections_.end() ? nullptr : it->second;
}

bool WebSocketEndpointImpl::Send(ConnectionId id, std::string text) {
    const std::shared_ptr<Connection> connection = Find(id);
    if (!connection) {
        return false;
    }
    std::lock_guard lock(connection->mutex);
    if (connection->closing) {
        return false;
    }
    if (connection->queue.size() >= shared_.options.websocket_queue_messages) {
        // The client is not keeping up; dropping it bounds memory and keeps Send() non-blocking.
        connection->closing = true;
        connection->queue.clear();
        connection->ShutdownLocked();
        dropped_.Increment();
        std::uint64_t suppressed = 0;
        if (shared_.log_limiter.Allow(suppressed)) {
            spdlog::warn("websocket {}: dropped connection {}: send queue full ({} messages); {} similar suppressed",
                         path_, id, shared_.options.websocket_queue_messages, suppressed);
        }
        return false;
    }
    connection->queue.push_back(Connection::Frame{MG_WEBSOCKET_OPCODE_TEXT, std::move(text)});
    connection->wake.notify_one();
    return true;
}

bool WebSocketEndpointImpl::Close(ConnectionId id) {
    const std::shared_ptr<Connection> connection = Find(id);
    if (!connection) {
        return false;
    }
    std::lock_guard lock(connection->mutex);
    if (connection->closing) {
        return false;
    }
    connection->closing = true;
    connection->queue.push_back(
        Connection::Frame{MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, ClosePayload(kCloseNormal, "")});
    connection->wake.notify_one();
    return true;
}

std::size_t WebSocketEndpointImpl::ConnectionCount() const {
    std::lock_guard lock(mutex_);
    return connections_.size();
}

void WebSocketEndpointImpl::Reject(const mg_connection* conn, int status, std::string_view code,
                                   std::string_view message, prometheus::Counter& counter) {
    counter.Increment();
    // The connect callback runs before the handshake, so a plain HTTP error is still possible.
    // civetweb hands the connection over as const only to discourage writes after the upgrade.
    auto* writable = const_cast<mg_connection*>(conn);
    const mg_request_info* info = mg_get_request_info(conn);
    mg_disable_connection_keep_alive(writable);
    WriteResponse(writable, info != nullptr && info->http_version != nullptr ? info->http_version : "1.1",
                  HttpResponse::Error(status, code, message), false, false);
}

int WebSocketEndpointImpl::OnConnect(const mg_connection* conn) {
    const mg_request_info* info = mg_get_request_info(conn);
    if (info == nullptr) {
        return 1;
    }
    if (shared_.stopping.load()) {
        Reject(conn, 503, "shutting_down", "the server is shutting down", rejected_shutting_down_);
        return 1;
    }
    HttpRequest request = RequestFromCivet(*info);
    if (request.path != path_) {
        // civetweb also routes "<path>/anything" here; only the exact path is an endpoint.
        Reject(conn, 404, "not_found", "no WebSocket endpoint at " + request.path, rejected_error_);
        return 1;
    }
    if (shared_.open_slots.fetch_add(1) >= shared_.options.max_websocket_connections) {
        shared_.open_slots.fetch_sub(1);
        Reject(conn, 503, "too_many_connections", "WebSocket connection limit reached", rejected_capacity_);
        return 1;
    }
    const ConnectionId id = next_connection_id.fetch_add(1);
    auto connection = std::make_shared<Connection>(id, *this);
    {
        std::lock_guard lock(mutex_);
        connections_.emplace(id, connection);
    }
    connections_gauge_.Increment();
    mg_set_user_connection_data(conn, connection.get());

    bool accepted = true;
    std::string failure;
    if (callbacks_.on_open) {
        try {
            accepted = callbacks_.on_open(id, request);
        } catch (const std::exception& e) {
            accepted = false;
            failure = e.what();
        }
    }
    if (accepted) {
        return 0;
    }
    mg_set_user_connection_data(conn, nullptr);
    {
        std::lock_guard lock(mutex_);
        connections_.erase(id);
    }
    connections_gauge_.Decrement();
    shared_.open_slots.fetch_sub(1);
    idle_.notify_all();
    if (failure.empty()) {
        Reject(conn, 403, "forbidden", "WebSocket connection refused", rejected_forbidden_);
    } else {
        std::uint64_t suppressed = 0;
        if (shared_.log_limiter.Allow(suppressed)) {
            spdlog::error("websocket {}: on_open threw: {}; {} similar suppressed", path_, failure, suppressed);
        }
        Reject(conn, 500, "internal", "WebSocket open failed", rejected_error_);
    }
    return 1;
}

void WebSocketEndpointImpl::OnReady(mg_connection* conn) {
    auto* connection = static_cast<Connection*>(mg_get_user_connection_data(conn));
    if (connection == nullptr) {
        return;
    }
    const mg_request_info* info = mg_get_request_info(conn);
    const int fd = info == nullptr ? -1 : FindConnectedSocket(info->remote_addr, info->remote_port, info->server_port);
    std::lock_guard lock(connection->mutex);
    connection->conn = conn;
    connection->fd = fd;
    if (fd < 0) {
        std::uint64_t suppressed = 0;
        if (shared_.log_limiter.Allow(suppressed)) {
            spdlog::warn("websocket {}: socket of connection {} not found; a drop will wait for the ping timeout",
                         path_, connection->id);
        }
    }
    if (connection->shutdown_requested) {
        connection->ShutdownLocked();
    }
    try {
        connection->writer = std::thread([this, connection] { Writer(*connection); });
    } catch (const std::system_error& e) {
        spdlog::error("websocket {}: cannot start writer for connection {}: {}", path_, connection->id, e.what());
        connection->closing = true;
        connection->queue.clear();
        connection->ShutdownLocked();
    }
}

void WebSocketEndpointImpl::Writer(Connection& connection) {
    std::unique_lock lock(connection.mutex);
    while (true) {
        connection.wake.wait(lock, [&] { return connection.stop_writer || !connection.queue.empty(); });
        if (connection.stop_writer) {
            return;
        }
        Connection::Frame frame = std::move(connection.queue.front());
        connection.queue.pop_front();
        const bool is_close = frame.opcode == MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE;
        if (is_close) {
            if (connection.close_sent) {
                continue;
            }
            connection.close_sent = true;
        }
        connection.writing = true;
        lock.unlock();
        // Blocks while the client's receive window is full; Send() meanwhile only queues.
        const int written = mg_websocket_write(connection.conn, frame.opcode, frame.data.data(), frame.data.size());
        lock.lock();
        connection.writing = false;
        if (written <= 0) {
            connection.closing = true;
            connection.queue.clear();
            connection.ShutdownLocked();
            return;
        }
        if (is_close) {
            // The client answers with its own close frame, which ends civetweb's read loop; one
            // that never answers is cut off after the close timeout.
            if (!connection.wake.wait_for(lock, shared_.options.websocket_close_timeout,
                                          [&] { return connection.stop_writer; })) {
                connection.ShutdownLocked();
            }
            return;
        }
        sent_.Increment();
    }
}

int WebSocketEndpointImpl::CloseFromWorker(Connection& connection, std::uint16_t code, std::string_view reason) {
    mg_connection* conn = nullptr;
    {
        std::lock_guard lock(connection.mutex);
        connection.closing = true;
        connection.queue.clear();
        if (connection.close_sent) {
            return 0;
        }
        connection.close_sent = true;
        conn = connection.conn;
    }
    const std::string payload = ClosePayload(code, reason);
    if (conn != nullptr) {
        mg_websocket_write(conn, MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE, payload.data(), payload.size());
    }
    return 0;
}

int WebSocketEndpointImpl::OnData(mg_connection* conn, int bits, char* data, std::size_t length) {
    auto* connection = static_cast<Connection*>(mg_get_user_connection_data(conn));
    if (connection == nullptr) {
        return 0;
    }
    const FrameAction action = connection->frames.OnFrame(bits, std::string_view(data, length));
    switch (action.kind) {
        case FrameAction::Kind::kContinue:
            return 1;
        case FrameAction::Kind::kPong:
            mg_websocket_write(conn, MG_WEBSOCKET_OPCODE_PONG, data, length);
            return 1;
        case FrameAction::Kind::kClose:
            return CloseFromWorker(*connection, action.close_code, action.close_reason);
        case FrameAction::Kind::kMessage:
            break;
    }
    received_.Increment();
    if (callbacks_.on_message) {
        try {
            callbacks_.on_message(connection->id, connection->frames.message());
        } catch (const std::exception& e) {
            std::uint64_t suppressed = 0;
            if (shared_.log_limiter.Allow(suppressed)) {
                spdlog::error("websocket {}: on_message threw for connection {}: {}; {} similar suppressed", path_,
                              connection->id, e.what(), suppressed);
            }
            return CloseFromWorker(*connection, kCloseInternalError, "internal error");
        }
    }
    return 1;
}

void WebSocketEndpointImpl::OnClose(const mg_connection* conn) {
    auto* connection = static_cast<Connection*>(mg_get_user_connection_data(conn));
    if (connection == nullptr) {
        return;
    }
    mg_set_user_connection_data(conn, nullptr);
    Finalize(*connection);
}

void WebSocketEndpointImpl::OnConnectionClosed(const mg_connection* conn) {
    auto* connection = static_cast<Connection*>(mg_get_user_connection_data(conn));
    if (connection == nullptr) {
        return;
    }
    // Only a WebSocket sets connection data, and OnClose clears it; still set means the handshake
    // never completed.
    mg_set_user_connection_data(conn, nullptr);
    connection->endpoint.Finalize(*connection);
}

void WebSocketEndpointImpl::Finalize(Connection& connection) {
    {
        std::lock_guard lock(connection.mutex);
        if (connection.finalized) {
            return;
        }
        connection.finalized = true;
        connection.closing = true;
        connection.stop_writer = true;
        connection.queue.clear();
        if (connection.writing) {
            connection.ShutdownLocked();  // a write stuck on a client that stopped reading
        }
        connection.wake.notify_all();
    }
    if (connection.writer.joinable()) {
        connection.writer.join();
    }
    {
        std::lock_guard lock(connection.mutex);
        connection.fd = -1;
        connection.conn = nullptr;
    }
    const ConnectionId id = connection.id;
    std::shared_ptr<Connection> keep_alive;  // the map entry may be the last owner
    {
        std::lock_guard lock(mutex_);
        const auto it = connections_.find(id);
        if (it != connections_.end()) {
            keep_alive = std::move(it->second);
            connections_.erase(it);
        }
    }
    connections_gauge_.Decrement();
    shared_.open_slots.fetch_sub(1);
    idle_.notify_all();
    if (callbacks_.on_close) {
        try {
            callbacks_.on_close(id);
        } catch (const std::exception& e) {
            std::uint64_t suppressed = 0;
            if (shared_.log_limiter.Allow(suppressed)) {
                spdlog::error("websocket {}: on_close threw for connection {}: {}; {} similar suppressed", path_, id,
                              e.what(), suppressed);
            }
        }
    }
}

void WebSocketEndpointImpl::BeginShutdown() {
    std::vector<std::shared_ptr<Connection>> all;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, connection] : connections_) {
            all.push_back(connection);
        }
    }
    for (auto& connection : all) {
        std::lock_guard lock(connection->mutex);
        if (!connection->closing) {
            connection->closing = true;
            connection->queue.push_back(Connection::Frame{MG_WEBSOCKET_OPCODE_CONNECTION_CLOSE,
                                                          ClosePayload(kCloseGoingAway, "server stopping")});
            connection->wake.notify_one();
        }
    }
}

void WebSocketEndpointImpl::WaitIdle(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    idle_.wait_until(lock, deadline, [&] { return connections_.empty(); });
}

void WebSocketEndpointImpl::ForceCloseAll() {
    std::vector<std::shared_ptr<Connection>> all;
    {
        std::lock_guard lock(mutex_);
        for (auto& [id, connection] : connections_) {
            all.push_back(connection);
        }
    }
    for (auto& connection : all) {
        std::lock_guard lock(connection->mutex);
        connection->closing = true;
        connection->ShutdownLocked();
    }
}

}  // namespace cosmic::telemetry::detail
