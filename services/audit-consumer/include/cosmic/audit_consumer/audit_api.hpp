#pragma once
/// The audit HTTP API (role auditor or admin on every route):
///   GET /api/v1/audit?resource_id=&job_id=&user_id=&action=&from=&to=&valid=&limit=&cursor=&order=
///   GET /api/v1/audit/events/{row_id}   (one row with all of its raw bytes)
///   GET /api/v1/audit/verify
///   GET /api/v1/audit/compliance-report

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <variant>

#include "cosmic/audit/audit_json.hpp"
#include "cosmic/audit/audit_store.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::audit {

struct QueryLimits {
    std::size_t default_limit = 100;
    std::size_t max_limit = 1000;  ///< larger requested limits are capped to this
    PageBudget budget;             ///< a page also stops at a byte budget (next_cursor continues it)
};

/// Parses the query string of GET /api/v1/audit. Returns the filter, or a 400 response naming
/// the parameter and what is wrong with it (unknown parameters are rejected too).
std::variant<QueryFilter, telemetry::HttpResponse> ParseQueryFilter(const telemetry::HttpRequest& request,
                                                                    const QueryLimits& limits);

class AuditApi {
  public:
    using Clock = std::function<std::int64_t()>;  ///< epoch ms
    /// Called with every verification the API runs (the service exports it as metrics).
    using VerifyObserver = std::function<void(const VerifyReport&)>;

    AuditApi(AuditStore& store, QueryLimits limits, Clock clock, VerifyObserver on_verify = {});

    telemetry::HttpResponse Query(const telemetry::HttpRequest& request);
    telemetry::HttpResponse Row(const telemetry::HttpRequest& request);
    telemetry::HttpResponse Verify(const telemetry::HttpRequest& request);
    telemetry::HttpResponse ComplianceReport(const telemetry::HttpRequest& request);

    /// Registers the four routes behind bearer-token auth (roles auditor or admin).
    void Register(telemetry::HttpServer& http, const std::shared_ptr<const service::Authenticator>& auth);

  private:
    /// Runs `body`; a store failure becomes a 503 (not a 500) and is logged rate-limited.
    template <class F>
    telemetry::HttpResponse Guarded(F&& body);

    AuditStore& store_;
    QueryLimits limits_;
    Clock clock_;
    VerifyObserver on_verify_;
    std::mutex error_log_mutex_;
    telemetry::RateLimiter error_log_limiter_;
};

}  // namespace cosmic::audit
