#pragma once
/// The HTTP API (bearer-token auth; users see only their own jobs, admins see all):
///   GET /api/v1/metrics/jobs/{id}   one job's aggregates (404 when not tracked or not visible)
///   GET /api/v1/metrics/summary     totals, samples/s and the top jobs (?by=cpu|memory&top=N)
///   GET /api/v1/metrics/lag         this consumer's lag per assigned partition and in total

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>

#include "cosmic/kafka/stats.hpp"
#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/metrics_consumer/rate_meter.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::metrics {

struct ApiOptions {
    std::size_t default_top = 10;
    std::size_t max_top = 100;
    std::int64_t ttl_seconds = 0;  ///< shown in the summary
    std::string group_id;          ///< shown with the lag
};

/// GET /api/v1/metrics/summary's query string: `by` cpu (default) or memory, `top` 0..max_top
/// (default_top when absent).
struct SummaryQuery {
    TopBy by = TopBy::kCpu;
    std::size_t top = 0;
};

/// The query, or the 400 naming the bad parameter.
std::variant<SummaryQuery, telemetry::HttpResponse> ParseSummaryQuery(const telemetry::HttpRequest& request,
                                                                      const ApiOptions& options);

class MetricsApi {
  public:
    using LagSource = std::function<kafka::LagSnapshot()>;

    MetricsApi(JobAggregator& aggregator, const RateMeter& samples_rate, LagSource lag, ApiOptions options);

    /// Adds the three routes, each behind `authenticator` (null = no authentication, everyone
    /// an admin).
    void Register(telemetry::HttpServer& server, std::shared_ptr<const service::Authenticator> authenticator);

    telemetry::HttpResponse GetJob(const telemetry::HttpRequest& request, const service::Principal& caller) const;
    telemetry::HttpResponse GetSummary(const telemetry::HttpRequest& request, const service::Principal& caller) const;
    telemetry::HttpResponse GetLag(const telemetry::HttpRequest& request, const service::Principal& caller) const;

  private:
    JobAggregator& aggregator_;
    const RateMeter& samples_rate_;
    LagSource lag_;
    ApiOptions options_;
};

}  // namespace cosmic::metrics
