#pragma once
/// The REST API of DESIGN.md §7 under /api/v1/jobs, behind bearer-token auth. The job's owner is
/// always the token's user; a user sees and acts on its own jobs only, an admin on all.
///
///   POST /api/v1/jobs                  {"name","kind","parameters"?,"priority"?} -> 202 job
///   GET  /api/v1/jobs/{id}             -> 200 job | 404
///   GET  /api/v1/jobs?status=&limit=&cursor=  -> 200 {"jobs":[...],"next_cursor":str|null}
///   POST /api/v1/jobs/{id}/cancel      {"reason"?}
///   POST /api/v1/jobs/{id}/complete    {"execution_time_ms"?}
///   POST /api/v1/jobs/{id}/fail        {"error","error_code"?,"execution_time_ms"?}
///
/// Errors: 400 invalid_request (with field and reason), 401/403 from auth, 404 not_found, 409
/// invalid_transition (with current_status), 422 idempotency_key_reused, 500 store failures.

#include <memory>
#include <string_view>

#include "cosmic/job_orchestrator/job_json.hpp"
#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::orchestrator {

struct JobsApiOptions {
    std::size_t default_limit = 50;
    std::size_t max_limit = 500;
};

/// GET /api/v1/jobs's query string: `status` (a state name), `limit` (1..max_limit, default_limit
/// when absent) and `cursor` (from a previous page); the first bad parameter as the error.
Parsed<JobQuery> ParseListQuery(const telemetry::HttpRequest& request, const JobsApiOptions& options);

class JobsApi {
  public:
    JobsApi(JobService& jobs, JobsApiOptions options);

    /// Registers the routes (before the server starts).
    void Register(telemetry::HttpServer& server, std::shared_ptr<const service::Authenticator> authenticator);

    telemetry::HttpResponse Submit(const telemetry::HttpRequest& request, const service::Principal& principal);
    telemetry::HttpResponse Get(const telemetry::HttpRequest& request, const service::Principal& principal);
    telemetry::HttpResponse List(const telemetry::HttpRequest& request, const service::Principal& principal);
    telemetry::HttpResponse Cancel(const telemetry::HttpRequest& request, const service::Principal& principal);
    telemetry::HttpResponse Complete(const telemetry::HttpRequest& request, const service::Principal& principal);
    telemetry::HttpResponse Fail(const telemetry::HttpRequest& request, const service::Principal& principal);

  private:
    JobService& jobs_;
    JobsApiOptions options_;
};

}  // namespace cosmic::orchestrator
