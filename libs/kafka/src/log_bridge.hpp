#pragma once
// Private: routes librdkafka's own log lines (connection failures, broker state, ...) through
// spdlog, so they come out as JSON lines with the service's other logs instead of raw text on
// stderr.

#include <librdkafka/rdkafka.h>
#include <spdlog/common.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace cosmic::kafka::client_detail {

/// Sets log_cb on `conf` and log.queue=false, so librdkafka calls the callback directly from its
/// own threads (spdlog's default logger is thread-safe) and no log queue needs serving. Call it
/// after the user's properties so KAFKA_LOG_QUEUE cannot leave lines stuck in a queue.
void InstallLogBridge(rd_kafka_conf_t* conf);

/// syslog severity (0 emerg .. 7 debug) as librdkafka reports it -> spdlog level.
spdlog::level::level_enum LevelFromSyslog(int level) noexcept;

/// Lets `burst` lines per facility through per `window` and counts the rest, so a flapping broker
/// (one FAIL/BROKERFAIL line per reconnect per client) cannot flood the log. Thread-safe.
class FacilityLimiter {
  public:
    FacilityLimiter(int burst, std::chrono::milliseconds window) : burst_(burst), window_(window) {}

    /// True when a line of `facility` may be logged now; `suppressed` is then the number held
    /// back in the facility's previous window (0 when none), for a summary line.
    bool Allow(std::string_view facility, std::chrono::steady_clock::time_point now, std::uint64_t& suppressed);

  private:
    struct Window {
        std::chrono::steady_clock::time_point start;
        int passed = 0;
        std::uint64_t suppressed = 0;
    };

    const int burst_;
    const std::chrono::milliseconds window_;
    std::mutex mutex_;
    std::map<std::string, Window, std::less<>> windows_;
};

}  // namespace cosmic::kafka::client_detail
