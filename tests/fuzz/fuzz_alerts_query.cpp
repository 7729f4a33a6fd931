// libFuzzer: health-monitor's alert list query string (GET /api/v1/alerts?state=&limit=) through
// the request's URL decoding. Any query must give firing/resolved with a limit of 1-10000, or a 400.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "cosmic/health_monitor/health_service.hpp"
#include "query_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cosmic::health;
    const auto request = cosmic::fuzz::QueryRequest("/api/v1/alerts", data, size);
    const auto parsed = ParseAlertsQuery(request);
    if (const auto* response = std::get_if<cosmic::telemetry::HttpResponse>(&parsed)) {
        if (response->status != 400) __builtin_trap();
    } else {
        const AlertsQuery& query = std::get<AlertsQuery>(parsed);
        if ((query.state != "firing" && query.state != "resolved") || query.limit < 1 || query.limit > 10'000) {
            __builtin_trap();
        }
    }
    return 0;
}
