#pragma once
// Reads the `--config` JSON file: nested objects flatten to dotted keys, values are checked
// against the schema, and the `kafka.properties` object is collected as librdkafka properties.

#include <string>
#include <utility>
#include <vector>

#include "cosmic/service/config.hpp"

namespace cosmic::service::detail {

struct FileSettings {
    std::vector<std::pair<std::string, ConfigValue>> values;            ///< key -> typed value
    std::vector<std::pair<std::string, std::string>> kafka_properties;  ///< property -> value
};

/// Throws ConfigError naming the key and "file <path>" for an unreadable or unparsable file,
/// an unknown key, or a value of the wrong type or out of range.
FileSettings ReadConfigFile(const ConfigSchema& schema, const std::string& path);

/// The declared key closest to `name` within a small edit distance, for "did you mean" hints.
std::string ClosestKey(const ConfigSchema& schema, std::string_view name);

}  // namespace cosmic::service::detail
