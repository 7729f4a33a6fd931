#include "cosmic/job_orchestrator/jobs_api.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "cosmic/job_orchestrator/job_json.hpp"
#include "cosmic/job_orchestrator/job_validation.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "cosmic/telemetry/trace.hpp"

namespace cosmic::orchestrator {
namespace {

using telemetry::HttpRequest;
using telemetry::HttpResponse;

constexpr std::string_view kCorrelationHeader = "X-Correlation-Id";

struct ErrorDetails {
    std::optional<FieldError> field;
    std::optional<JobState> current;
    std::string_view job_id;
};

HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message,
                           const ErrorDetails& details = {}) {
    std::string body;
    schema::JsonWriter w(body);
    w.BeginObject().Key("error").BeginObject();
    w.Key("code").String(code).Key("message").String(message);
    if (details.field) w.Key("field").String(details.field->field).Key("reason").String(details.field->reason);
    if (details.current) w.Key("current_status").String(ToString(*details.current));
    if (!details.job_id.empty()) w.Key("job_id").String(details.job_id);
    w.EndObject().EndObject();
    return HttpResponse::Json(status, std::move(body));
}

HttpResponse BadRequest(const FieldError& error) {
    return ErrorResponse(400, "invalid_request", error.ToString(), ErrorDetails{error, std::nullopt, {}});
}

HttpResponse FromJobError(const JobError& error, std::string_view job_id) {
    switch (error.code) {
        case JobErrorCode::kNotFound:
            return ErrorResponse(404, "not_found", error.message);
        case JobErrorCode::kConflict:
            return ErrorResponse(409, ToString(error.code), error.message,
                                 ErrorDetails{std::nullopt, error.current, job_id});
        case JobErrorCode::kIdempotencyMismatch:
            return ErrorResponse(422, ToString(error.code), error.message);
        case JobErrorCode::kDuplicateId:
            return ErrorResponse(409, ToString(error.code), error.message);
    }
    return ErrorResponse(500, "internal", error.message);
}

/// The request's context, or the 400 for a bad X-Correlation-Id.
std::optional<FieldError> BuildContext(const HttpRequest& request, const service::Principal& principal,
                                       RequestContext& context) {
    std::string_view correlation;
    if (auto header = request.Header(kCorrelationHeader)) {
        if (!IsToken(*header, kMaxCorrelationIdBytes)) {
            return FieldError{"X-Correlation-Id", "must be 1-200 visible ASCII characters"};
        }
        correlation = *header;
    }
    const std::string_view traceparent = request.Header("traceparent").value_or(std::string_view());
    Actor actor{ActorKind::kUser, principal.user_id, service::HasRole(principal, service::Role::kAdmin)};
    context = MakeContext(std::move(actor), correlation, traceparent);
    return std::nullopt;
}

HttpResponse WithCorrelation(HttpResponse response, const RequestContext& context) {
    response.headers.emplace_back(std::string(kCorrelationHeader), context.correlation_id);
    return response;
}

/// Runs `body` with the request's context and log ids; store failures become 500.
HttpResponse Handle(const HttpRequest& request, const service::Principal& principal,
                    const std::function<HttpResponse(const RequestContext&)>& body) {
    RequestContext context;
    if (auto error = BuildContext(request, principal, context)) return BadRequest(*error);
    const auto trace = telemetry::ParseTraceparent(context.traceparent);
    telemetry::ScopedLogContext log_context(context.correlation_id, trace ? trace->trace_id : std::string());
    try {
        return WithCorrelation(body(context), context);
    } catch (const std::exception& error) {
        static telemetry::RateLimiter limiter(std::chrono::seconds(5));
        std::uint64_t suppressed = 0;
        if (limiter.Allow(suppressed)) {
            spdlog::error("{} {} failed: {} ({} similar suppressed)", request.method, request.path, error.what(),
                          suppressed);
        }
        return WithCorrelation(ErrorResponse(500, "internal", "the job store failed; try again"), context);
    }
}

std::optional<std::size_t> ParseLimit(std::string_view text, std::size_t max) {
    std::size_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value < 1 || value > max) return std::nullopt;
    return value;
}

}  // namespace

Parsed<JobQuery> ParseListQuery(const HttpRequest& request, const JobsApiOptions& options) {
    Parsed<JobQuery> parsed;
    JobQuery& query = parsed.value;
    query.limit = options.default_limit;
    if (auto status = request.Query("status"); status && !status->empty()) {
        query.state = ParseJobState(*status);
        if (!query.state) {
            parsed.error =
                FieldError{"status", "must be one of submitted, queued, running, completed, failed, cancelled"};
            return parsed;
        }
    }
    if (auto limit = request.Query("limit"); limit && !limit->empty()) {
        auto value = ParseLimit(*limit, options.max_limit);
        if (!value) {
            parsed.error = FieldError{"limit", "must be an integer 1-" + std::to_string(options.max_limit)};
            return parsed;
        }
        query.limit = *value;
    }
    if (auto cursor = request.Query("cursor"); cursor && !cursor->empty()) {
        query.before_position = DecodeCursor(*cursor);
        if (!query.before_position) parsed.error = FieldError{"cursor", "not a cursor this API returned"};
    }
    return parsed;
}

JobsApi::JobsApi(JobService& jobs, JobsApiOptions options) : jobs_(jobs), options_(options) {}

void JobsApi::Register(telemetry::HttpServer& server, std::shared_ptr<const service::Authenticator> authenticator) {
    auto route = [&](std::string_view method, std::string_view pattern,
                     HttpResponse (JobsApi::*handler)(const HttpRequest&, const service::Principal&)) {
        server.Route(method, pattern,
                     service::RequireAuth(authenticator, {},
                                          [this, handler](const HttpRequest& request, const service::Principal& who) {
                                              return (this->*handler)(request, who);
                                          }));
    };
    route("POST", "/api/v1/jobs", &JobsApi::Submit);
    route("GET", "/api/v1/jobs", &JobsApi::List);
    route("GET", "/api/v1/jobs/{id}", &JobsApi::Get);
    route("POST", "/api/v1/jobs/{id}/cancel", &JobsApi::Cancel);
    route("POST", "/api/v1/jobs/{id}/complete", &JobsApi::Complete);
    route("POST", "/api/v1/jobs/{id}/fail", &JobsApi::Fail);
}

HttpResponse JobsApi::Submit(const HttpRequest& request, const service::Principal& principal) {
    return Handle(request, principal, [&](const RequestContext& context) {
        Parsed<SubmitRequest> parsed = ParseSubmitBody(request.body);
        if (parsed.error) return BadRequest(*parsed.error);
        if (auto key = request.Header("Idempotency-Key")) {
            if (!IsToken(*key, kMaxIdempotencyKeyBytes)) {
                return BadRequest(FieldError{"Idempotency-Key", "must be 1-200 visible ASCII characters"});
            }
            parsed.value.idempotency_key = std::string(*key);
        }
        JobResult result = jobs_.Submit(parsed.value, context);
        if (!result) return FromJobError(*result.error, result.job.job_id);
        HttpResponse response = HttpResponse::Json(202, JobJson(result.job));
        response.headers.emplace_back("Location", "/api/v1/jobs/" + result.job.job_id);
        if (!result.created) response.headers.emplace_back("Idempotent-Replayed", "true");
        return response;
    });
}

HttpResponse JobsApi::Get(const HttpRequest& request, const service::Principal& principal) {
    return Handle(request, principal, [&](const RequestContext& context) {
        const std::string_view id = request.Param("id");
        std::optional<Job> job = jobs_.Get(id, context.actor);
        if (!job) return ErrorResponse(404, "not_found", "job " + std::string(id) + " not found");
        return HttpResponse::Json(200, JobJson(*job));
    });
}

HttpResponse JobsApi::List(const HttpRequest& request, const service::Principal& principal) {
    return Handle(request, principal, [&](const RequestContext& context) {
        Parsed<JobQuery> parsed = ParseListQuery(request, options_);
        if (parsed.error) return BadRequest(*parsed.error);
        return HttpResponse::Json(200, JobListJson(jobs_.List(parsed.value, context.actor)));
    });
}

HttpResponse JobsApi::Cancel(const HttpRequest& request, const service::Principal& principal) {
    return Handle(request, principal, [&](const RequestContext& context) {
        Parsed<CancelBody> parsed = ParseCancelBody(request.body);
        if (parsed.error) return BadRequest(*parsed.error);
        const std::string reason = parsed.value.reason.value_or("cancelled by " + principal.user_id);
        const std::string_view id = request.Param("id");
        JobResult result = jobs_.Cancel(id, reason, context);
        if (!result) return FromJobError(*result.error, id);
        return HttpResponse::Json(200, JobJson(result.job));
    });
}

HttpResponse JobsApi::Complete(const HttpRequest& request, const service::Principal& principal) {
    return Handle(request, principal, [&](const RequestContext& context) {
        Parsed<CompleteBody> parsed = ParseCompleteBody(request.body);
        if (parsed.error) return BadRequest(*parsed.error);
        const std::string_view id = request.Param("id");
        JobResult result = jobs_.Complete(id, parsed.value.execution_time_ms, context);
        if (!result) return FromJobError(*result.error, id);
        return HttpResponse::Json(200, JobJson(result.job));
    });
}

HttpResponse JobsApi::Fail(const HttpRequest& request, const service::Principal& principal) {
    return Handle(request, principal, [&](const RequestContext& context) {
        Parsed<FailBody> parsed = ParseFailBody(request.body);
        if (parsed.error) return BadRequest(*parsed.error);
        const std::string_view id = request.Param("id");
        JobResult result =
            jobs_.Fail(id, parsed.value.error, parsed.value.error_code, parsed.value.execution_time_ms, context);
        if (!result) return FromJobError(*result.error, id);
        return HttpResponse::Json(200, JobJson(result.job));
    });
}

}  // namespace cosmic::orchestrator
