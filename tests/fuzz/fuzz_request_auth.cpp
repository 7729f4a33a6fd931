// libFuzzer: the credentials and trace headers every API request and WebSocket upgrade carries:
// `Authorization: Bearer <token>` or, for a WebSocket, `?access_token=` (URL-decoded), through the
// token check, and `traceparent` through the W3C parser. The first byte says whether the header is
// sent; the rest is "<header value>\n<query string>". Only the one known token may authenticate,
// and an accepted traceparent must round-trip.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/trace.hpp"

namespace {

constexpr std::string_view kToken = "s3cret-token";

const cosmic::service::Authenticator& Tokens() {
    static const cosmic::service::Authenticator tokens = [] {
        const std::string hex = cosmic::service::Authenticator::HashHex(kToken);
        cosmic::service::Authenticator::Digest digest{};
        for (std::size_t i = 0; i < digest.size(); ++i) {
            digest[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
        }
        return cosmic::service::Authenticator({{digest, {"u1", {cosmic::service::Role::kUser}}}});
    }();
    return tokens;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const bool with_header = (data[0] & 1U) != 0;
    const std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
    const std::size_t newline = rest.find('\n');
    const std::string_view header = rest.substr(0, newline);
    cosmic::telemetry::HttpRequest request;
    request.method = "GET";
    request.path = "/ws/notifications";
    if (newline != std::string_view::npos) request.query.assign(rest.substr(newline + 1));
    if (with_header) request.headers.emplace_back("Authorization", std::string(header));
    const auto principal = Tokens().Authenticate(request, /*allow_query_token=*/true);
    if (principal && (principal->user_id != "u1" || rest.find(kToken) == std::string_view::npos)) {
        // The query may carry the token percent-encoded, so only the user is certain there.
        if (principal->user_id != "u1" || with_header) __builtin_trap();
    }
    if (const auto trace = cosmic::telemetry::ParseTraceparent(header)) {
        const auto again = cosmic::telemetry::ParseTraceparent(trace->ToTraceparent());
        if (!again || again->trace_id != trace->trace_id || again->span_id != trace->span_id ||
            again->sampled != trace->sampled) {
            __builtin_trap();
        }
    }
    return 0;
}
