#include "cosmic/notification_consumer/notification_api.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <string>

#include "cosmic/schema/writer.hpp"

namespace cosmic::notification {

namespace {

using telemetry::HttpRequest;
using telemetry::HttpResponse;

std::optional<std::int64_t> ParseInt(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

HttpResponse BadRequest(std::string_view field, std::string_view reason) {
    return HttpResponse::Error(400, "bad_request", std::string(field) + ": " + std::string(reason));
}

void WriteInApp(schema::JsonWriter& w, const InAppNotification& n) {
    w.BeginObject();
    w.Key("id").String(std::to_string(n.id));
    w.Key("event_id").String(n.event_id);
    w.Key("job_id").String(n.job_id);
    w.Key("event_type").String(n.event_type);
    w.Key("outcome").String(n.outcome);
    w.Key("title").String(n.title);
    w.Key("body").String(n.body);
    w.Key("occurred_at").String(n.occurred_at);
    w.Key("created_at").String(schema::FormatTimestamp(n.created_ms));
    w.Key("read").Bool(n.read_ms.has_value());
    w.Key("read_at");
    if (n.read_ms) {
        w.String(schema::FormatTimestamp(*n.read_ms));
    } else {
        w.Null();
    }
    w.EndObject();
}

}  // namespace

std::string InAppJson(const InAppNotification& n) {
    std::string out;
    schema::JsonWriter w(out);
    WriteInApp(w, n);
    return out;
}

std::variant<ListQuery, HttpResponse> ParseListQuery(const HttpRequest& request, const ApiLimits& limits) {
    // Unknown parameters are errors: a misspelt filter must not silently return everything.
    std::string_view rest = request.query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        const std::string_view name = pair.substr(0, pair.find('='));
        if (!pair.empty() && name != "unread" && name != "limit" && name != "cursor") {
            return BadRequest(name.substr(0, 64), "unknown parameter (expected unread, limit, cursor)");
        }
    }
    ListQuery query;
    if (auto value = request.Query("unread")) {
        if (*value == "true" || *value == "1") {
            query.unread = true;
        } else if (*value != "false" && *value != "0") {
            return BadRequest("unread", "must be true or false");
        }
    }
    query.limit = limits.default_limit;
    if (auto value = request.Query("limit")) {
        const auto parsed = ParseInt(*value);
        if (!parsed || *parsed < 1) return BadRequest("limit", "must be a positive integer");
        query.limit = std::min(static_cast<std::size_t>(*parsed), limits.max_limit);
    }
    if (auto value = request.Query("cursor")) {
        query.cursor = ParseInt(*value);
        if (!query.cursor || *query.cursor < 1) return BadRequest("cursor", "not a cursor returned by this API");
    }
    return query;
}

NotificationApi::NotificationApi(NotificationStore& store, ApiLimits limits, std::function<std::int64_t()> clock)
    : store_(store), limits_(limits), clock_(std::move(clock)) {}

void NotificationApi::Register(telemetry::HttpServer& http, std::shared_ptr<const service::Authenticator> auth) {
    http.Route("GET", "/api/v1/notifications",
               service::RequireAuth(auth, {},
                                    [this](const HttpRequest& r, const service::Principal& p) { return List(r, p); }));
    http.Route("POST", "/api/v1/notifications/read-all",
               service::RequireAuth(
                   auth, {}, [this](const HttpRequest& r, const service::Principal& p) { return MarkAllRead(r, p); }));
    http.Route("POST", "/api/v1/notifications/{id}/read",
               service::RequireAuth(
                   auth, {}, [this](const HttpRequest& r, const service::Principal& p) { return MarkRead(r, p); }));
}

template <class F>
HttpResponse NotificationApi::Guarded(F&& body) {
    try {
        return body();
    } catch (const store::StoreError& error) {
        std::uint64_t suppressed = 0;
        if (error_log_.Allow(suppressed)) {
            spdlog::error("notification API: store error: {} ({} similar suppressed)", error.what(), suppressed);
        }
        return HttpResponse::Error(503, "store_unavailable", "the notification store failed; try again");
    }
}

HttpResponse NotificationApi::List(const HttpRequest& request, const service::Principal& who) {
    auto parsed = ParseListQuery(request, limits_);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
    const ListQuery& query = std::get<ListQuery>(parsed);
    return Guarded([&] {
        const InAppPage page = store_.List(who.user_id, query.unread, query.limit, query.cursor);
        const std::int64_t unread_count = store_.UnreadCount(who.user_id);
        std::string out;
        schema::JsonWriter w(out);
        w.BeginObject().Key("notifications").BeginArray();
        for (const auto& item : page.items) WriteInApp(w, item);
        w.EndArray().Key("next_cursor");
        if (page.next_cursor) {
            w.String(std::to_string(*page.next_cursor));
        } else {
            w.Null();
        }
        w.Key("unread_count").Int(unread_count).EndObject();
        return HttpResponse::Json(200, std::move(out));
    });
}

HttpResponse NotificationApi::MarkRead(const HttpRequest& request, const service::Principal& who) {
    const auto id = ParseInt(request.Param("id"));
    if (!id || *id < 1) return HttpResponse::Error(404, "not_found", "no such notification");
    return Guarded([&] {
        const auto row = store_.MarkRead(who.user_id, *id, clock_());
        // Another user's notification is "not found", not "forbidden": ids must not be probed.
        if (!row) return HttpResponse::Error(404, "not_found", "no such notification");
        std::string out;
        schema::JsonWriter w(out);
        w.BeginObject().Key("notification");
        WriteInApp(w, *row);
        w.EndObject();
        return HttpResponse::Json(200, std::move(out));
    });
}

HttpResponse NotificationApi::MarkAllRead(const HttpRequest&, const service::Principal& who) {
    return Guarded([&] {
        const std::int64_t marked = store_.MarkAllRead(who.user_id, clock_());
        std::string out;
        schema::JsonWriter w(out);
        w.BeginObject().Key("marked").Int(marked).EndObject();
        return HttpResponse::Json(200, std::move(out));
    });
}

}  // namespace cosmic::notification
