#pragma once
/// How KAFKA_* environment variables map to librdkafka properties (DESIGN.md §8). The services'
/// config loader and cosmicctl both read the environment through these, so a variable means
/// the same to every binary.

#include <string>
#include <string_view>

namespace cosmic::service {

/// True for variables Kubernetes injects for a Service (docker links use the same shapes):
/// <NAME>_SERVICE_HOST, <NAME>_SERVICE_PORT[_<PORT NAME>], <NAME>_PORT and
/// <NAME>_PORT_<n>_<TCP|UDP|SCTP>[_PROTO|_PORT|_ADDR]. A Service named "kafka" produces
/// KAFKA_PORT=tcp://10.0.0.1:9092, which is not a librdkafka property.
bool IsServiceLinkVariable(std::string_view name);

/// KAFKA_SASL_USERNAME -> sasl.username: strip KAFKA_, lower case, '_' -> '.', and "__" -> '_'
/// for the few properties with an underscore (KAFKA_LOG__LEVEL -> log_level).
std::string KafkaPropertyFromEnv(std::string_view name);

}  // namespace cosmic::service
