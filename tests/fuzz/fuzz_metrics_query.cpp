// libFuzzer: metrics-consumer's summary query string (GET /api/v1/metrics/summary?by=&top=)
// through the request's URL decoding. Any query must give a query within the limits or a 400.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "cosmic/metrics_consumer/metrics_api.hpp"
#include "query_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cosmic::metrics;
    static const ApiOptions options{10, 100, 0, "metrics-consumer-group"};
    const auto request = cosmic::fuzz::QueryRequest("/api/v1/metrics/summary", data, size);
    const auto parsed = ParseSummaryQuery(request, options);
    if (const auto* response = std::get_if<cosmic::telemetry::HttpResponse>(&parsed)) {
        if (response->status != 400) __builtin_trap();
    } else if (std::get<SummaryQuery>(parsed).top > options.max_top) {
        __builtin_trap();
    }
    return 0;
}
