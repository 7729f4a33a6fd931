#include "rd_client.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "cosmic/telemetry/logging.hpp"

namespace cosmic::health::detail {
namespace {

void LogToSpdlog(const rd_kafka_t* rk, int level, const char* facility, const char* message) {
    static telemetry::RateLimiter limiter(std::chrono::seconds(10));
    std::uint64_t suppressed = 0;
    if (level > 4 || !limiter.Allow(suppressed)) return;  // notice and below are noise here
    spdlog::warn("librdkafka {} {}: {} ({} similar suppressed)", rd_kafka_name(rk), facility, message, suppressed);
}

}  // namespace

Handle NewClient(rd_kafka_type_t type, const kafka::ClientConfig& config,
                 const std::map<std::string, std::string>& overrides) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    auto set = [&](const std::string& name, const std::string& value) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::invalid_argument("kafka property '" + name + "': " + error);
        }
    };
    for (const auto& [name, value] : config.properties) {
        if (overrides.count(name) == 0) set(name, value);
    }
    for (const auto& [name, value] : overrides) set(name, value);
    rd_kafka_conf_set_log_cb(conf, &LogToSpdlog);
    rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof(error));
    if (rk == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("cannot create a Kafka client: ") + error);
    }
    return Handle(rk);
}

}  // namespace cosmic::health::detail
