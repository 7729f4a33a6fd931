// libFuzzer: the audit API's query string (filters, period, cursor, limit) through the HTTP
// request's URL decoding. Any query must give a filter or a 400 naming the parameter.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "cosmic/audit_consumer/audit_api.hpp"
#include "query_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto request = cosmic::fuzz::QueryRequest("/api/v1/audit", data, size);
    const auto parsed = cosmic::audit::ParseQueryFilter(request, cosmic::audit::QueryLimits{});
    if (const auto* response = std::get_if<cosmic::telemetry::HttpResponse>(&parsed)) {
        if (response->status != 400) __builtin_trap();  // a bad query is a 400, nothing else
    }
    return 0;
}
