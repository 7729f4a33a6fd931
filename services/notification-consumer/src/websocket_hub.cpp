#include "cosmic/notification_consumer/websocket_hub.hpp"

#include <algorithm>

namespace cosmic::notification {

WebSocketHub::WebSocketHub(std::shared_ptr<const service::Authenticator> authenticator, std::size_t max_per_user)
    : authenticator_(std::move(authenticator)), max_per_user_(max_per_user) {}

telemetry::WebSocketEndpoint::Callbacks WebSocketHub::Callbacks() {
    telemetry::WebSocketEndpoint::Callbacks callbacks;
    callbacks.on_open = [this](ConnectionId id, const telemetry::HttpRequest& request) { return OnOpen(id, request); };
    // Clients have nothing to say; frames they send are ignored.
    callbacks.on_message = [](ConnectionId, std::string_view) {};
    callbacks.on_close = [this](ConnectionId id) { OnClose(id); };
    return callbacks;
}

void WebSocketHub::Attach(telemetry::WebSocketEndpoint& endpoint) {
    std::lock_guard lock(mutex_);
    endpoint_ = &endpoint;
}

bool WebSocketHub::OnOpen(ConnectionId id, const telemetry::HttpRequest& request) {
    if (!authenticator_) return false;
    const auto principal = authenticator_->Authenticate(request, /*allow_query_token=*/true);
    if (!principal) return false;
    std::lock_guard lock(mutex_);
    auto& list = connections_by_user_[principal->user_id];
    if (list.size() >= max_per_user_) {
        if (list.empty()) connections_by_user_.erase(principal->user_id);
        return false;
    }
    list.push_back(id);
    users_by_connection_.emplace(id, principal->user_id);
    return true;
}

void WebSocketHub::OnClose(ConnectionId id) {
    std::lock_guard lock(mutex_);
    const auto it = users_by_connection_.find(id);
    if (it == users_by_connection_.end()) return;
    const auto user = connections_by_user_.find(it->second);
    if (user != connections_by_user_.end()) {
        std::erase(user->second, id);
        if (user->second.empty()) connections_by_user_.erase(user);
    }
    users_by_connection_.erase(it);
}

std::size_t WebSocketHub::Push(std::string_view user_id, const std::string& frame) {
    // Ids are copied out: Send may close a full connection, which calls OnClose (same lock).
    ConnectionId ids[64];
    std::size_t count = 0;
    telemetry::WebSocketEndpoint* endpoint = nullptr;
    {
        std::lock_guard lock(mutex_);
        endpoint = endpoint_;
        const auto it = connections_by_user_.find(user_id);
        if (endpoint == nullptr || it == connections_by_user_.end()) return 0;
        count = std::min(it->second.size(), std::size(ids));
        std::copy_n(it->second.begin(), count, ids);
    }
    std::size_t accepted = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (endpoint->Send(ids[i], frame)) ++accepted;
    }
    return accepted;
}

std::size_t WebSocketHub::Connections() const {
    std::lock_guard lock(mutex_);
    return users_by_connection_.size();
}

std::size_t WebSocketHub::ConnectionsOf(std::string_view user_id) const {
    std::lock_guard lock(mutex_);
    const auto it = connections_by_user_.find(user_id);
    return it == connections_by_user_.end() ? 0 : it->second.size();
}

}  // namespace cosmic::notification
