// libFuzzer: notification-consumer's list query string (GET /api/v1/notifications?unread=&limit=
// &cursor=) through the request's URL decoding. Any query must give a query within the limits or
// a 400, never a crash.
#include <cstddef>
#include <cstdint>
#include <variant>

#include "cosmic/notification_consumer/notification_api.hpp"
#include "query_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace cosmic::notification;
    static const ApiLimits limits{50, 200};
    const auto request = cosmic::fuzz::QueryRequest("/api/v1/notifications", data, size);
    const auto parsed = ParseListQuery(request, limits);
    if (const auto* response = std::get_if<cosmic::telemetry::HttpResponse>(&parsed)) {
        if (response->status != 400) __builtin_trap();
    } else {
        const ListQuery& query = std::get<ListQuery>(parsed);
        if (query.limit < 1 || query.limit > limits.max_limit || (query.cursor && *query.cursor < 1)) __builtin_trap();
    }
    return 0;
}
