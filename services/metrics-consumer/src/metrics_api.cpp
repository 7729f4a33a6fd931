#include "cosmic/metrics_consumer/metrics_api.hpp"

#include <charconv>
#include <utility>

#include "cosmic/metrics_consumer/job_json.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::metrics {

namespace {

bool IsAdmin(const service::Principal& caller) { return service::HasRole(caller, service::Role::kAdmin); }

}  // namespace

std::variant<SummaryQuery, telemetry::HttpResponse> ParseSummaryQuery(const telemetry::HttpRequest& request,
                                                                      const ApiOptions& options) {
    SummaryQuery query;
    if (const auto text = request.Query("by")) {
        if (*text == "cpu") {
            query.by = TopBy::kCpu;
        } else if (*text == "memory") {
            query.by = TopBy::kMemory;
        } else {
            return telemetry::HttpResponse::Error(400, "bad_request", "by: expected \"cpu\" or \"memory\"");
        }
    }
    query.top = options.default_top;
    if (const auto text = request.Query("top")) {
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), query.top);
        if (ec != std::errc() || end != text->data() + text->size() || query.top > options.max_top) {
            return telemetry::HttpResponse::Error(400, "bad_request",
                                                  "top: expected an integer 0-" + std::to_string(options.max_top));
        }
    }
    return query;
}

MetricsApi::MetricsApi(JobAggregator& aggregator, const RateMeter& samples_rate, LagSource lag, ApiOptions options)
    : aggregator_(aggregator), samples_rate_(samples_rate), lag_(std::move(lag)), options_(std::move(options)) {}

void MetricsApi::Register(telemetry::HttpServer& server, std::shared_ptr<const service::Authenticator> authenticator) {
    using Method =
        telemetry::HttpResponse (MetricsApi::*)(const telemetry::HttpRequest&, const service::Principal&) const;
    const auto route = [&](std::string_view pattern, Method method) {
        service::AuthenticatedHandler handler = [this, method](const telemetry::HttpRequest& request,
                                                               const service::Principal& caller) {
            return (this->*method)(request, caller);
        };
        if (authenticator) {
            server.Route("GET", pattern, service::RequireAuth(authenticator, {}, std::move(handler)));
        } else {
            server.Route("GET", pattern, [handler](const telemetry::HttpRequest& request) {
                return handler(request, service::Principal{"", {service::Role::kAdmin}});
            });
        }
    };
    route("/api/v1/metrics/jobs/{id}", &MetricsApi::GetJob);
    route("/api/v1/metrics/summary", &MetricsApi::GetSummary);
    route("/api/v1/metrics/lag", &MetricsApi::GetLag);
}

telemetry::HttpResponse MetricsApi::GetJob(const telemetry::HttpRequest& request,
                                           const service::Principal& caller) const {
    const std::string_view id = request.Param("id");
    if (id.empty()) return telemetry::HttpResponse::Error(400, "bad_request", "id: missing");
    const auto job = aggregator_.Get(id);
    // Another user's job answers exactly like an unknown one: existence is not disclosed.
    if (!job || (!IsAdmin(caller) && job->user_id != caller.user_id)) {
        return telemetry::HttpResponse::Error(404, "not_found", "no metrics for job " + std::string(id));
    }
    return telemetry::HttpResponse::Json(200, JobJson(*job));
}

telemetry::HttpResponse MetricsApi::GetSummary(const telemetry::HttpRequest& request,
                                               const service::Principal& caller) const {
    auto parsed = ParseSummaryQuery(request, options_);
    if (auto* error = std::get_if<telemetry::HttpResponse>(&parsed)) return std::move(*error);
    const SummaryQuery& query = std::get<SummaryQuery>(parsed);
    SummaryView view;
    view.all_users = IsAdmin(caller);
    view.top_by = query.by == TopBy::kCpu ? "cpu" : "memory";
    view.top =
        aggregator_.Top(query.by, query.top, view.all_users ? std::string_view{} : std::string_view{caller.user_id});
    view.totals = aggregator_.Totals();
    view.samples_per_second = samples_rate_.PerSecond();
    view.ttl_seconds = options_.ttl_seconds;
    return telemetry::HttpResponse::Json(200, SummaryJson(view));
}

telemetry::HttpResponse MetricsApi::GetLag(const telemetry::HttpRequest& /*request*/,
                                           const service::Principal& /*caller*/) const {
    const kafka::LagSnapshot lag = lag_ ? lag_() : kafka::LagSnapshot{};
    std::string out;
    schema::JsonWriter writer(out);
    writer.BeginObject();
    writer.Key("group").String(options_.group_id);
    writer.Key("known").Bool(lag.known);
    writer.Key("total").Int(lag.total);
    writer.Key("partitions").BeginArray();
    for (const kafka::ConsumerLag& partition : lag.partitions) {
        writer.BeginObject();
        writer.Key("topic").String(partition.topic);
        writer.Key("partition").Int(partition.partition);
        writer.Key("lag").Int(partition.lag);
        writer.EndObject();
    }
    writer.EndArray();
    writer.EndObject();
    return telemetry::HttpResponse::Json(200, std::move(out));
}

}  // namespace cosmic::metrics
