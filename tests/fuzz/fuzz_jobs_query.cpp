// libFuzzer: job-orchestrator's list query string (GET /api/v1/jobs?status=&limit=&cursor=)
// through the request's URL decoding. Any query must give a query within the limits or a field
// error, never a crash.
#include <cstddef>
#include <cstdint>

#include "cosmic/job_orchestrator/jobs_api.hpp"
#include "query_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cosmic::orchestrator;
    static const JobsApiOptions options{50, 500};
    const auto request = cosmic::fuzz::QueryRequest("/api/v1/jobs", data, size);
    const Parsed<JobQuery> parsed = ParseListQuery(request, options);
    if (!parsed.error && (parsed.value.limit < 1 || parsed.value.limit > options.max_limit)) __builtin_trap();
    return 0;
}
