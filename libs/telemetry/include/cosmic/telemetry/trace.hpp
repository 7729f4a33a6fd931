#pragma once
/// W3C trace context (traceparent: 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>).

#include <optional>
#include <string>
#include <string_view>

namespace cosmic::telemetry {

struct TraceContext {
    std::string trace_id;  ///< 32 lower-case hex
    std::string span_id;   ///< 16 lower-case hex
    bool sampled = true;

    std::string ToTraceparent() const;
    /// Same trace, new span id: what a service puts on the messages it produces for this input.
    TraceContext Child() const;
};

/// nullopt for a malformed header (wrong length, non-hex, all-zero ids, version ff).
std::optional<TraceContext> ParseTraceparent(std::string_view header);
TraceContext NewTrace();

}  // namespace cosmic::telemetry
