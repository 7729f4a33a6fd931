#pragma once
// Kafka client settings for cosmicctl, read the way the services read them (DESIGN.md §8).

#include <map>
#include <optional>
#include <string>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::cosmicctl {

/// KAFKA_BOOTSTRAP_SERVERS and every other KAFKA_<PROP> variable become librdkafka properties
/// (strip KAFKA_, lower case, '_' -> '.', "__" -> '_'); `bootstrap` (--bootstrap) wins over the
/// environment. KAFKA_ENABLED and Kubernetes service-link variables (KAFKA_PORT, ...) are
/// skipped. Throws UsageError when no bootstrap list is given at all, or a property is rejected.
kafka::ClientConfig ClientConfigFrom(const std::map<std::string, std::string>& env,
                                     const std::optional<std::string>& bootstrap);

/// True for variables Kubernetes injects for a Service (KAFKA_PORT, KAFKA_SERVICE_HOST,
/// KAFKA_PORT_9092_TCP_ADDR, ...), which are not librdkafka properties.
bool IsServiceLinkVariable(const std::string& name);

/// "KAFKA_SASL_USERNAME" -> "sasl.username".
std::string PropertyFromEnvName(const std::string& name);

}  // namespace cosmic::cosmicctl
