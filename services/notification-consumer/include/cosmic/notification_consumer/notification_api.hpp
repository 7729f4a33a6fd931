#pragma once
/// The in-app API, every route for the token's own user only (DESIGN.md §7):
///
///   GET  /api/v1/notifications?unread=true|false&limit=N&cursor=C
///        -> {"notifications":[{...}], "next_cursor": "C"|null, "unread_count": N}   newest first
///   POST /api/v1/notifications/{id}/read   -> {"notification": {...}}   404 when not the user's
///   POST /api/v1/notifications/read-all    -> {"marked": N}
///
/// 401 without a valid bearer token; errors are {"error":{"code","message"}}; 503 when the store
/// fails.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <variant>

#include "cosmic/notification_consumer/notification_store.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::notification {

struct ApiLimits {
    std::size_t default_limit = 50;
    std::size_t max_limit = 200;
};

/// GET /api/v1/notifications's query string.
struct ListQuery {
    bool unread = false;
    std::size_t limit = 0;
    std::optional<std::int64_t> cursor;  ///< older than this id (a previous page's next_cursor)
};

/// The query, or the 400 naming the first bad or unknown parameter (a misspelt filter must not
/// silently return everything).
std::variant<ListQuery, telemetry::HttpResponse> ParseListQuery(const telemetry::HttpRequest& request,
                                                                const ApiLimits& limits);

/// One in-app notification as the API shows it.
std::string InAppJson(const InAppNotification& n);

class NotificationApi {
  public:
    NotificationApi(NotificationStore& store, ApiLimits limits, std::function<std::int64_t()> clock);

    /// Registers the three routes behind bearer-token auth (any role).
    void Register(telemetry::HttpServer& http, std::shared_ptr<const service::Authenticator> auth);

    telemetry::HttpResponse List(const telemetry::HttpRequest& request, const service::Principal& who);
    telemetry::HttpResponse MarkRead(const telemetry::HttpRequest& request, const service::Principal& who);
    telemetry::HttpResponse MarkAllRead(const telemetry::HttpRequest& request, const service::Principal& who);

  private:
    template <class F>
    telemetry::HttpResponse Guarded(F&& body);

    NotificationStore& store_;
    ApiLimits limits_;
    std::function<std::int64_t()> clock_;
    telemetry::RateLimiter error_log_;
};

}  // namespace cosmic::notification
