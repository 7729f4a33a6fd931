#include "cosmic/audit_consumer/audit_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cosmic/audit/audit_json.hpp"
#include "cosmic/audit/sqlite_types.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::audit {

namespace {

using telemetry::HttpRequest;
using telemetry::HttpResponse;

constexpr std::size_t kMaxIdLength = 256;
constexpr std::array<std::string_view, 10> kParameters = {"resource_id", "job_id", "user_id", "action", "from",
                                                          "to",          "valid",  "limit",   "cursor", "order"};

HttpResponse BadRequest(std::string_view field, std::string_view reason) {
    return HttpResponse::Error(400, "bad_request", std::string(field) + ": " + std::string(reason));
}

std::optional<std::int64_t> ParseInt(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

/// Unknown parameters are errors: a misspelt filter must not silently widen an audit query.
std::optional<HttpResponse> RejectUnknownParameters(const HttpRequest& request, std::span<const std::string_view> known) {
    std::string_view rest = request.query;
    while (!rest.empty()) {
        const std::size_t amp = rest.find('&');
        const std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
        if (pair.empty()) continue;
        const std::string_view name = pair.substr(0, pair.find('='));
        if (std::find(known.begin(), known.end(), name) == known.end()) {
            return BadRequest(name.substr(0, 64), "unknown parameter");
        }
    }
    return std::nullopt;
}

/// `from` and `to` (RFC 3339; from < to) into the two targets.
std::optional<HttpResponse> ParsePeriod(const HttpRequest& request, std::optional<std::int64_t>& from_ms,
                                        std::optional<std::int64_t>& to_ms) {
    for (auto [name, target] : {std::pair{"from", &from_ms}, std::pair{"to", &to_ms}}) {
        if (auto value = request.Query(name)) {
            const auto ms = schema::ParseTimestamp(*value);
            if (!ms) return BadRequest(name, "expected an RFC 3339 timestamp such as 2026-01-02T03:04:05Z");
            *target = *ms;
        }
    }
    if (from_ms && to_ms && *from_ms >= *to_ms) return BadRequest("to", "must be later than from");
    return std::nullopt;
}

}  // namespace

std::variant<QueryFilter, HttpResponse> ParseQueryFilter(const HttpRequest& request, const QueryLimits& limits) {
    if (auto error = RejectUnknownParameters(request, kParameters)) return std::move(*error);

    QueryFilter filter;
    filter.limit = limits.default_limit;
    for (auto [name, target] : {std::pair{"resource_id", &filter.resource_id}, std::pair{"job_id", &filter.job_id},
                                std::pair{"user_id", &filter.user_id}}) {
        if (auto value = request.Query(name)) {
            if (value->empty()) return BadRequest(name, "must not be empty");
            if (value->size() > kMaxIdLength) return BadRequest(name, "longer than 256 characters");
            *target = std::move(*value);
        }
    }
    if (auto action = request.Query("action")) {
        const auto parsed = schema::ParseAuditAction(*action);
        if (!parsed) return BadRequest("action", "must be one of CREATE|UPDATE|DELETE|STATE_CHANGE|ACCESS|ALERT");
        filter.action = std::string(schema::ToString(*parsed));
    }
    if (auto error = ParsePeriod(request, filter.from_ms, filter.to_ms)) return std::move(*error);
    if (auto valid = request.Query("valid")) {
        if (*valid == "true") {
            filter.valid = true;
        } else if (*valid == "false") {
            filter.valid = false;
        } else {
            return BadRequest("valid", "must be true or false");
        }
    }
    if (auto limit = request.Query("limit")) {
        const auto parsed = ParseInt(*limit);
        if (!parsed || *parsed < 1) return BadRequest("limit", "must be a positive integer");
        filter.limit = std::min<std::size_t>(static_cast<std::size_t>(*parsed), limits.max_limit);
    }
    if (auto cursor = request.Query("cursor")) {
        const auto parsed = ParseInt(*cursor);
        if (!parsed || *parsed < 0) return BadRequest("cursor", "not a cursor returned by this API");
        filter.cursor = *parsed;
    }
    if (auto order = request.Query("order")) {
        if (*order == "desc") {
            filter.descending = true;
        } else if (*order != "asc") {
            return BadRequest("order", "must be asc or desc");
        }
    }
    return filter;
}

template <class F>
HttpResponse AuditApi::Guarded(F&& body) {
    try {
        return body();
    } catch (const StoreError& error) {
        std::uint64_t suppressed = 0;
        bool allow = false;
        {
            std::lock_guard lock(error_log_mutex_);
            allow = error_log_limiter_.Allow(suppressed);
        }
        if (allow) spdlog::error("audit API: store error: {} ({} similar suppressed)", error.what(), suppressed);
        return HttpResponse::Error(503, "store_unavailable", "the audit store failed; try again");
    }
}

AuditApi::AuditApi(AuditStore& store, QueryLimits limits, Clock clock, VerifyObserver on_verify)
    : store_(store), limits_(limits), clock_(std::move(clock)), on_verify_(std::move(on_verify)) {}

HttpResponse AuditApi::Query(const HttpRequest& request) {
    auto parsed = ParseQueryFilter(request, limits_);
    if (auto* error = std::get_if<HttpResponse>(&parsed)) return std::move(*error);
    const QueryFilter& filter = std::get<QueryFilter>(parsed);
    return Guarded([&] {
        // Read in small pieces, so neither the rows held nor the response grow with the limit
        // when rows are large (an invalid record keeps up to a whole Kafka message).
        constexpr std::size_t kRowsPerRead = 16;
        PageWriter page(limits_.budget);
        QueryFilter piece = filter;
        std::optional<std::int64_t> next_cursor;
        while (page.Rows() < filter.limit) {
            piece.limit = std::min(kRowsPerRead, filter.limit - page.Rows());
            const QueryPage part = store_.Query(piece);
            for (const StoredRecord& row : part.rows) {
                if (!page.Add(row)) return HttpResponse::Json(200, page.Finish(next_cursor));
                next_cursor = row.row_id;
            }
            if (!part.next_cursor || part.rows.empty()) return HttpResponse::Json(200, page.Finish(std::nullopt));
            piece.cursor = part.next_cursor;
        }
        return HttpResponse::Json(200, page.Finish(next_cursor));
    });
}

HttpResponse AuditApi::Row(const HttpRequest& request) {
    const auto id = ParseInt(request.Param("row_id"));
    if (!id || *id < 1) return BadRequest("row_id", "must be a positive integer");
    return Guarded([&] {
        QueryFilter filter;
        filter.cursor = *id - 1;  // rows after the cursor, in row_id order: this one first
        filter.limit = 1;
        const QueryPage page = store_.Query(filter);
        if (page.rows.empty() || page.rows.front().row_id != *id) {
            return HttpResponse::Error(404, "not_found", "no audit row " + std::to_string(*id));
        }
        return HttpResponse::Json(200, RowJson(page.rows.front()));
    });
}

HttpResponse AuditApi::Verify(const HttpRequest&) {
    return Guarded([&] {
        const VerifyReport report = store_.Verify();
        if (on_verify_) on_verify_(report);
        return HttpResponse::Json(200, VerifyJson(report));
    });
}

HttpResponse AuditApi::ComplianceReport(const HttpRequest& request) {
    // The reporting period: `from` and `to` as in the query API; nothing else is accepted.
    static constexpr std::array<std::string_view, 2> kReportParameters = {"from", "to"};
    if (auto error = RejectUnknownParameters(request, kReportParameters)) return std::move(*error);
    ReportPeriod period;
    if (auto error = ParsePeriod(request, period.from_ms, period.to_ms)) return std::move(*error);
    return Guarded([&] {
        auto report = store_.Report(clock_());
        report.period = period;
        report.in_period = store_.CountPeriod(period);
        if (on_verify_) on_verify_(report.verify);
        return HttpResponse::Json(200, ReportJson(report));
    });
}

void AuditApi::Register(telemetry::HttpServer& http, const std::shared_ptr<const service::Authenticator>& auth) {
    const std::vector<service::Role> roles = {service::Role::kAuditor, service::Role::kAdmin};
    http.Route("GET", "/api/v1/audit",
               service::RequireAuth(auth, roles,
                                    [this](const HttpRequest& r, const service::Principal&) { return Query(r); }));
    http.Route(
        "GET", "/api/v1/audit/events/{row_id}",
        service::RequireAuth(auth, roles, [this](const HttpRequest& r, const service::Principal&) { return Row(r); }));
    http.Route("GET", "/api/v1/audit/verify",
               service::RequireAuth(auth, roles,
                                    [this](const HttpRequest& r, const service::Principal&) { return Verify(r); }));
    http.Route("GET", "/api/v1/audit/compliance-report",
               service::RequireAuth(auth, roles, [this](const HttpRequest& r, const service::Principal&) {
                   return ComplianceReport(r);
               }));
}

}  // namespace cosmic::audit
