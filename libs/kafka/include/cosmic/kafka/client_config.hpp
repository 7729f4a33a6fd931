#pragma once
/// librdkafka client settings as the runtime config produced them (DESIGN.md §8):
/// KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_CA_LOCATION and any
/// KAFKA_<PROP> map to librdkafka properties (`_` -> `.`, lower case).

#include <map>
#include <string>

namespace cosmic::kafka {

struct ClientConfig {
    /// False runs the service without Kafka: producer calls become counted no-ops,
    /// no consumer is started, /readyz says so.
    bool enabled = true;
    /// librdkafka properties, e.g. {"bootstrap.servers", "127.0.0.1:9092"}.
    std::map<std::string, std::string> properties;

    /// Applies every property to a throw-away rd_kafka_conf_t and throws std::invalid_argument
    /// naming the first property librdkafka rejects (unknown name or bad value).
    void Validate() const;
};

}  // namespace cosmic::kafka
