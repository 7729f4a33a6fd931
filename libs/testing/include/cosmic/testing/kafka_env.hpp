#pragma once
/// librdkafka properties as the KAFKA_* variables a service reads (DESIGN.md §8), for handing a
/// test cluster's client settings to a service under test.

#include <map>
#include <string>
#include <string_view>

namespace cosmic::testing {

/// "fetch.wait.max.ms" -> "KAFKA_FETCH_WAIT_MAX_MS", "log_level" -> "KAFKA_LOG__LEVEL": the
/// inverse of service::KafkaPropertyFromEnv.
std::string KafkaEnvName(std::string_view property);

/// Every property of `properties` under its KAFKA_* name.
std::map<std::string, std::string> KafkaEnvironment(const std::map<std::string, std::string>& properties);

}  // namespace cosmic::testing
