#pragma once
/// JSON-lines logging on spdlog: {"ts","level","service","msg","correlation_id","trace_id"}.
/// Use spdlog's functions (spdlog::info(...)) after InitLogging; the context below adds the ids.

#include <chrono>
#include <string>
#include <string_view>

namespace cosmic::telemetry {

/// Installs the JSON formatter on the default spdlog logger (stdout). Throws
/// std::invalid_argument for an unknown level ("trace","debug","info","warn","error","critical","off").
void InitLogging(std::string_view service, std::string_view level);

/// Sets correlation_id / trace_id for log lines written by this thread while in scope.
class ScopedLogContext {
public:
    ScopedLogContext(std::string_view correlation_id, std::string_view trace_id);
    ~ScopedLogContext();
    ScopedLogContext(const ScopedLogContext&) = delete;
    ScopedLogContext& operator=(const ScopedLogContext&) = delete;

private:
    std::string previous_correlation_id_;
    std::string previous_trace_id_;
};

/// Lets one message through per interval and counts the suppressed ones (for error logs on
/// paths that can fire per message).
class RateLimiter {
public:
    explicit RateLimiter(std::chrono::milliseconds interval = std::chrono::seconds(5));
    /// True when the caller may log now; `suppressed` is how many were held back since the last.
    bool Allow(std::uint64_t& suppressed);

private:
    std::chrono::milliseconds interval_;
    std::chrono::steady_clock::time_point next_{};
    std::uint64_t suppressed_ = 0;
};

}  // namespace cosmic::telemetry
