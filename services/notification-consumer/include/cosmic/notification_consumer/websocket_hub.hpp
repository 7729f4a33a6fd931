#pragma once
/// /ws/notifications: pushes a user's notifications to that user's open connections.
///
/// Authentication: bearer token in the Authorization header or `?access_token=` (browsers cannot
/// set WebSocket headers). A user has at most websocket.max_per_user connections; more get 403.
/// Server -> client frames: {"type":"notification","notification":{...}} (WebSocketFrame). Sends
/// never block: each connection has the server's bounded queue, and a client that lets it fill
/// is dropped (the HTTP server closes it), so a slow reader never holds up delivery.

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cosmic/notification_consumer/user_directory.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::notification {

class WebSocketHub {
  public:
    using ConnectionId = telemetry::WebSocketEndpoint::ConnectionId;

    WebSocketHub(std::shared_ptr<const service::Authenticator> authenticator, std::size_t max_per_user);

    /// The endpoint callbacks; pass them to HttpServer::AddWebSocket, then Attach the result.
    telemetry::WebSocketEndpoint::Callbacks Callbacks();
    void Attach(telemetry::WebSocketEndpoint& endpoint);

    /// Queues `frame` on every open connection of `user_id`; returns how many took it.
    std::size_t Push(std::string_view user_id, const std::string& frame);

    std::size_t Connections() const;
    std::size_t ConnectionsOf(std::string_view user_id) const;

  private:
    bool OnOpen(ConnectionId id, const telemetry::HttpRequest& request);
    void OnClose(ConnectionId id);

    std::shared_ptr<const service::Authenticator> authenticator_;
    std::size_t max_per_user_;
    telemetry::WebSocketEndpoint* endpoint_ = nullptr;
    mutable std::mutex mutex_;
    std::unordered_map<ConnectionId, std::string> users_by_connection_;
    std::unordered_map<std::string, std::vector<ConnectionId>, StringHash, std::equal_to<>> connections_by_user_;
};

}  // namespace cosmic::notification
