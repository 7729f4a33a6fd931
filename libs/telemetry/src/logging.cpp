#include "cosmic/telemetry/logging.hpp"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <array>
#include <ctime>
#include <stdexcept>
#include <utility>

#include "json_text.hpp"

namespace cosmic::telemetry {
namespace {

struct LogContext {
    std::string correlation_id;
    std::string trace_id;
};

LogContext& ThreadContext() {
    thread_local LogContext context;
    return context;
}

std::string_view LevelName(spdlog::level::level_enum level) {
    switch (level) {
        case spdlog::level::trace:
            return "trace";
        case spdlog::level::debug:
            return "debug";
        case spdlog::level::info:
            return "info";
        case spdlog::level::warn:
            return "warn";
        case spdlog::level::err:
            return "error";
        case spdlog::level::critical:
            return "critical";
        default:
            return "off";
    }
}

spdlog::level::level_enum ParseLevel(std::string_view level) {
    static constexpr std::array<std::pair<std::string_view, spdlog::level::level_enum>, 8> kLevels{{
        {"trace", spdlog::level::trace},
        {"debug", spdlog::level::debug},
        {"info", spdlog::level::info},
        {"warn", spdlog::level::warn},
        {"warning", spdlog::level::warn},
        {"error", spdlog::level::err},
        {"critical", spdlog::level::critical},
        {"off", spdlog::level::off},
    }};
    for (const auto& [name, value] : kLevels) {
        if (name == level) {
            return value;
        }
    }
    throw std::invalid_argument("unknown log level '" + std::string(level) +
                                "' (expected trace, debug, info, warn, error, critical or off)");
}

/// RFC 3339 UTC with milliseconds, e.g. 2026-01-31T12:34:56.789Z.
void AppendTimestamp(std::string& out, spdlog::log_clock::time_point time) {
    const auto since_epoch = time.time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
    std::time_t whole = static_cast<std::time_t>(seconds.count());
    if (millis < 0) {  // before 1970: keep the millisecond field non-negative
        millis += 1000;
        whole -= 1;
    }
    std::tm utc{};
    gmtime_r(&whole, &utc);
    std::array<char, 40> buffer{};
    const std::size_t length = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%S", &utc);
    out.append(buffer.data(), length);
    out.push_back('.');
    out.push_back(static_cast<char>('0' + (millis / 100)));
    out.push_back(static_cast<char>('0' + (millis / 10) % 10));
    out.push_back(static_cast<char>('0' + millis % 10));
    out.push_back('Z');
}

class JsonFormatter final : public spdlog::formatter {
  public:
    explicit JsonFormatter(std::string service) : service_json_(detail::JsonString(service)) {}

    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        // Reused per thread so a log line costs no allocation once the buffer has grown.
        thread_local std::string line;
        line.clear();
        const LogContext& context = ThreadContext();
        line += "{\"ts\":\"";
        AppendTimestamp(line, msg.time);
        line += "\",\"level\":\"";
        line += LevelName(msg.level);
        line += "\",\"service\":";
        line += service_json_;
        line += ",\"msg\":";
        detail::AppendJsonString(line, std::string_view(msg.payload.data(), msg.payload.size()));
        line += ",\"correlation_id\":";
        detail::AppendJsonString(line, context.correlation_id);
        line += ",\"trace_id\":";
        detail::AppendJsonString(line, context.trace_id);
        line += "}\n";
        dest.append(line.data(), line.data() + line.size());
    }

    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(*this); }

  private:
    std::string service_json_;
};

std::int64_t SteadyNowNs() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

}  // namespace

std::unique_ptr<spdlog::formatter> MakeJsonFormatter(std::string_view service) {
    return std::make_unique<JsonFormatter>(std::string(service));
}

void InitLogging(std::string_view service, std::string_view level, std::shared_ptr<spdlog::sinks::sink> sink) {
    const spdlog::level::level_enum parsed = ParseLevel(level);
    if (!sink) {
        throw std::invalid_argument("InitLogging: null sink");
    }
    auto logger = std::make_shared<spdlog::logger>(std::string(service), std::move(sink));
    logger->set_formatter(MakeJsonFormatter(service));
    logger->set_level(parsed);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(std::move(logger));
}

void InitLogging(std::string_view service, std::string_view level) {
    InitLogging(service, level, std::make_shared<spdlog::sinks::stdout_sink_mt>());
}

ScopedLogContext::ScopedLogContext(std::string_view correlation_id, std::string_view trace_id) {
    LogContext& context = ThreadContext();
    previous_correlation_id_ = std::exchange(context.correlation_id, std::string(correlation_id));
    previous_trace_id_ = std::exchange(context.trace_id, std::string(trace_id));
}

ScopedLogContext::~ScopedLogContext() {
    LogContext& context = ThreadContext();
    context.correlation_id = std::move(previous_correlation_id_);
    context.trace_id = std::move(previous_trace_id_);
}

std::string_view CurrentCorrelationId() { return ThreadContext().correlation_id; }

std::string_view CurrentTraceId() { return ThreadContext().trace_id; }

RateLimiter::RateLimiter(std::chrono::milliseconds interval) : interval_(interval) {}

RateLimiter::RateLimiter(const RateLimiter& other)
    : interval_(other.interval_),
      next_ns_(other.next_ns_.load(std::memory_order_relaxed)),
      suppressed_(other.suppressed_.load(std::memory_order_relaxed)) {}

RateLimiter& RateLimiter::operator=(const RateLimiter& other) {
    if (this != &other) {
        interval_ = other.interval_;
        next_ns_.store(other.next_ns_.load(std::memory_order_relaxed), std::memory_order_relaxed);
        suppressed_.store(other.suppressed_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    }
    return *this;
}

bool RateLimiter::Allow(std::uint64_t& suppressed) {
    const std::int64_t now = SteadyNowNs();
    std::int64_t next = next_ns_.load(std::memory_order_relaxed);
    const std::int64_t interval_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(interval_).count();
    // Only the thread that wins the exchange of the deadline may log; everyone else counts.
    if (now >= next && next_ns_.compare_exchange_strong(next, now + interval_ns, std::memory_order_acq_rel)) {
        suppressed = suppressed_.exchange(0, std::memory_order_acq_rel);
        return true;
    }
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    suppressed = 0;
    return false;
}

}  // namespace cosmic::telemetry
