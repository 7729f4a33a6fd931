#pragma once
// The process environment as a map (so commands take it as input and tests pass their own), and
// the Kafka client settings cosmicctl reads from it.

#include <map>
#include <optional>
#include <string>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::cosmicctl {

std::map<std::string, std::string> Environment();

/// KAFKA_BOOTSTRAP_SERVERS and every other KAFKA_<PROP> variable become librdkafka properties,
/// mapped as the services map them (service::KafkaPropertyFromEnv); `bootstrap` (--bootstrap)
/// wins over the environment. KAFKA_ENABLED and Kubernetes service-link variables (KAFKA_PORT,
/// ...) are skipped. Throws UsageError when no bootstrap list is given at all, or a property is
/// rejected.
kafka::ClientConfig ClientConfigFrom(const std::map<std::string, std::string>& env,
                                     const std::optional<std::string>& bootstrap);

}  // namespace cosmic::cosmicctl
