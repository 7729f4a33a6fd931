#pragma once
/// JSON-lines logging on spdlog: {"ts","level","service","msg","correlation_id","trace_id"}.
/// Use spdlog's functions (spdlog::info(...)) after InitLogging; the context below adds the ids.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace spdlog {
class formatter;
namespace sinks {
class sink;
}
}  // namespace spdlog

namespace cosmic::telemetry {

/// Installs the JSON formatter on the default spdlog logger (stdout). Throws
/// std::invalid_argument for an unknown level ("trace","debug","info","warn","error","critical","off").
void InitLogging(std::string_view service, std::string_view level);

/// Same, writing to `sink` instead of stdout (tests, or a file). The logger is synchronous so
/// the thread-local ScopedLogContext of the calling thread is what ends up in the line.
void InitLogging(std::string_view service, std::string_view level, std::shared_ptr<spdlog::sinks::sink> sink);

/// The JSON-lines formatter on its own, for a logger the caller builds.
std::unique_ptr<spdlog::formatter> MakeJsonFormatter(std::string_view service);

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

/// The ids set by the innermost ScopedLogContext of this thread (empty when none).
std::string_view CurrentCorrelationId();
std::string_view CurrentTraceId();

/// Lets one message through per interval and counts the suppressed ones (for error logs on
/// paths that can fire per message). Thread-safe and lock-free, so one limiter can guard an
/// error path shared by many threads.
class RateLimiter {
  public:
    explicit RateLimiter(std::chrono::milliseconds interval = std::chrono::seconds(5));
    RateLimiter(const RateLimiter& other);
    RateLimiter& operator=(const RateLimiter& other);
    /// True when the caller may log now; `suppressed` is how many were held back since the last.
    bool Allow(std::uint64_t& suppressed);

  private:
    std::chrono::milliseconds interval_;
    std::atomic<std::int64_t> next_ns_{0};  ///< steady_clock time (ns) of the next allowed message
    std::atomic<std::uint64_t> suppressed_{0};
};

}  // namespace cosmic::telemetry
