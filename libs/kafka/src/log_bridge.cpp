#include "log_bridge.hpp"

#include <spdlog/spdlog.h>

namespace cosmic::kafka::client_detail {
namespace {

/// Lines per facility per window: enough to see a failure and its neighbours, few enough that
/// every client reconnecting to a dead broker every second stays a handful of lines.
constexpr int kBurst = 5;
constexpr std::chrono::seconds kWindow{30};

FacilityLimiter& Limiter() {
    // Process-wide on purpose: the flood to bound is the sum over all clients, and log_cb has no
    // opaque of its own (the clients' opaque belongs to their delivery/rebalance callbacks).
    static FacilityLimiter limiter(kBurst, kWindow);
    return limiter;
}

void OnLog(const rd_kafka_t* rk, int level, const char* fac, const char* buf) {
    const std::string_view facility = fac != nullptr ? fac : "?";
    const std::string_view client = rk != nullptr ? rd_kafka_name(rk) : "?";
    const spdlog::level::level_enum spd_level = LevelFromSyslog(level);
    spdlog::logger* logger = spdlog::default_logger_raw();
    if (logger == nullptr || !logger->should_log(spd_level)) return;
    std::uint64_t suppressed = 0;
    if (!Limiter().Allow(facility, std::chrono::steady_clock::now(), suppressed)) return;
    if (suppressed > 0) {
        logger->log(spd_level, "librdkafka fac={} client={}: {} (and {} more {} lines suppressed in the last {} s)",
                    facility, client, buf != nullptr ? buf : "", suppressed, facility, kWindow.count());
    } else {
        logger->log(spd_level, "librdkafka fac={} client={}: {}", facility, client, buf != nullptr ? buf : "");
    }
}

}  // namespace

spdlog::level::level_enum LevelFromSyslog(int level) noexcept {
    if (level <= 2) return spdlog::level::critical;  // emerg, alert, crit
    if (level == 3) return spdlog::level::err;
    if (level == 4) return spdlog::level::warn;
    if (level <= 6) return spdlog::level::info;  // notice, info
    return spdlog::level::debug;
}

bool FacilityLimiter::Allow(std::string_view facility, std::chrono::steady_clock::time_point now,
                            std::uint64_t& suppressed) {
    std::lock_guard lock(mutex_);
    auto it = windows_.find(facility);
    if (it == windows_.end()) it = windows_.emplace(std::string(facility), Window{now, 0, 0}).first;
    Window& window = it->second;
    suppressed = 0;
    if (now - window.start >= window_) {
        suppressed = window.suppressed;
        window = Window{now, 0, 0};
    }
    if (window.passed >= burst_) {
        ++window.suppressed;
        return false;
    }
    ++window.passed;
    return true;
}

void InstallLogBridge(rd_kafka_conf_t* conf) {
    char error[512];
    // Known property with a valid value: librdkafka cannot reject it.
    rd_kafka_conf_set(conf, "log.queue", "false", error, sizeof(error));
    rd_kafka_conf_set_log_cb(conf, &OnLog);
}

}  // namespace cosmic::kafka::client_detail
