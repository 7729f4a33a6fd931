#pragma once
// Private helpers for building librdkafka handles: a conf that throws on a rejected property
// and releases itself unless a handle took it over.

#include <librdkafka/rdkafka.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "cosmic/kafka/auth_hint.hpp"
#include "cosmic/kafka/errors.hpp"
#include "log_bridge.hpp"

namespace cosmic::kafka::client_detail {

class ConfHandle {
  public:
    ConfHandle() : conf_(rd_kafka_conf_new()) {}
    ~ConfHandle() {
        if (conf_ != nullptr) {
            rd_kafka_conf_destroy(conf_);
        }
    }
    ConfHandle(const ConfHandle&) = delete;
    ConfHandle& operator=(const ConfHandle&) = delete;

    /// Throws std::invalid_argument naming the property librdkafka rejects.
    void Set(std::string_view name, std::string_view value) {
        char error[512];
        const std::string key(name);
        const std::string text(value);
        if (rd_kafka_conf_set(conf_, key.c_str(), text.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
            throw std::invalid_argument("kafka property '" + key + "': " + error);
        }
    }
    rd_kafka_conf_t* Get() const noexcept { return conf_; }
    /// Hands the conf to librdkafka (rd_kafka_new took it).
    rd_kafka_conf_t* Release() noexcept {
        rd_kafka_conf_t* conf = conf_;
        conf_ = nullptr;
        return conf;
    }

  private:
    rd_kafka_conf_t* conf_;
};

/// rd_kafka_new; on success the conf belongs to the handle. Throws KafkaException on failure.
/// The first client that would use SCRAM with a librdkafka Kafka 4.x rejects logs a warning.
/// librdkafka's own log lines go to spdlog (InstallLogBridge), set last so no property undoes it.
inline rd_kafka_t* NewHandle(rd_kafka_type_t type, ConfHandle& conf) {
    WarnOnceAboutScram(conf.Get());
    InstallLogBridge(conf.Get());
    char error[512];
    rd_kafka_t* handle = rd_kafka_new(type, conf.Get(), error, sizeof(error));
    if (handle == nullptr) {
        throw KafkaException(KafkaError(RD_KAFKA_RESP_ERR__INVALID_ARG, error, false, false));
    }
    conf.Release();
    return handle;
}

}  // namespace cosmic::kafka::client_detail
