// libFuzzer: a request's method and raw path through the HTTP server's path splitting (percent
// decoding) and route table, loaded with every service's routes. Any request must be found,
// not found or not allowed, never a crash; a found route binds one value per "{name}".
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "router.hpp"

namespace {

const cosmic::telemetry::detail::Router& Routes() {
    static const cosmic::telemetry::detail::Router router = [] {
        cosmic::telemetry::detail::Router r;
        for (const char* pattern :
             {"/api/v1/jobs", "/api/v1/metrics/summary", "/api/v1/metrics/lag", "/api/v1/notifications",
              "/api/v1/audit", "/api/v1/audit/verify", "/api/v1/audit/compliance-report", "/api/v1/health",
              "/api/v1/alerts", "/", "/healthz", "/readyz", "/metrics", "/api/v1/jobs/{id}",
              "/api/v1/metrics/jobs/{id}", "/api/v1/audit/events/{row_id}"}) {
            r.Add("GET", pattern);
        }
        for (const char* pattern :
             {"/api/v1/jobs", "/api/v1/jobs/{id}/cancel", "/api/v1/jobs/{id}/complete", "/api/v1/jobs/{id}/fail",
              "/api/v1/notifications/read-all", "/api/v1/notifications/{id}/read"}) {
            r.Add("POST", pattern);
        }
        return r;
    }();
    return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static constexpr std::string_view kMethods[] = {"GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS"};
    const std::string_view method = kMethods[data[0] % std::size(kMethods)];
    const std::string_view path(reinterpret_cast<const char*>(data + 1), size - 1);
    const auto segments = cosmic::telemetry::detail::SplitPath(path);
    if (!segments) return 0;
    const auto& router = Routes();
    const auto match = router.Find(method, *segments);
    if (match.outcome == cosmic::telemetry::detail::Router::Outcome::kFound) {
        const std::string& pattern = router.Pattern(match.route);
        if (match.params.size() != static_cast<std::size_t>(std::count(pattern.begin(), pattern.end(), '{'))) {
            __builtin_trap();
        }
        const std::string& routed = router.Method(match.route);
        if (routed != method && !(method == "HEAD" && routed == "GET")) __builtin_trap();
    }
    return 0;
}
