#include "kafka_env.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

#include "args.hpp"

namespace cosmic::cosmicctl {

bool IsServiceLinkVariable(const std::string& name) {
    // Kubernetes injects <NAME>_SERVICE_HOST, <NAME>_SERVICE_PORT[_<port name>], <NAME>_PORT and
    // <NAME>_PORT_<n>_<TCP|UDP|SCTP>[_PROTO|_PORT|_ADDR] for a Service; for one named kafka they
    // look like KAFKA_* properties (KAFKA_PORT=tcp://10.0.0.1:9092) but are not.
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto end = name.find('_', start);
        parts.push_back(name.substr(start, end - start));
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    const auto digits = [](const std::string& s) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
    };
    const std::size_t n = parts.size();
    if (n >= 2 && parts[n - 1] == "PORT") {
        return true;
    }
    for (std::size_t i = 1; i + 1 < n; ++i) {
        if (parts[i] == "SERVICE" && (parts[i + 1] == "HOST" ? i + 2 == n : parts[i + 1] == "PORT")) {
            return true;
        }
        if (parts[i] == "PORT" && i + 2 < n && digits(parts[i + 1]) &&
            (parts[i + 2] == "TCP" || parts[i + 2] == "UDP" || parts[i + 2] == "SCTP") &&
            (i + 3 == n ||
             (i + 4 == n && (parts[i + 3] == "PROTO" || parts[i + 3] == "PORT" || parts[i + 3] == "ADDR")))) {
            return true;
        }
    }
    return false;
}

std::string PropertyFromEnvName(const std::string& name) {
    std::string rest = name.rfind("KAFKA_", 0) == 0 ? name.substr(6) : name;
    std::string property;
    for (std::size_t i = 0; i < rest.size(); ++i) {
        if (rest[i] == '_') {
            if (i + 1 < rest.size() && rest[i + 1] == '_') {
                property += '_';
                ++i;
            } else {
                property += '.';
            }
        } else {
            property += static_cast<char>(std::tolower(static_cast<unsigned char>(rest[i])));
        }
    }
    return property;
}

kafka::ClientConfig ClientConfigFrom(const std::map<std::string, std::string>& env,
                                     const std::optional<std::string>& bootstrap) {
    kafka::ClientConfig config;
    for (const auto& [name, value] : env) {
        if (name.rfind("KAFKA_", 0) != 0 || name == "KAFKA_ENABLED" || IsServiceLinkVariable(name)) {
            continue;
        }
        config.properties[PropertyFromEnvName(name)] = value;
    }
    if (bootstrap) {
        config.properties["bootstrap.servers"] = *bootstrap;
    }
    auto it = config.properties.find("bootstrap.servers");
    if (it == config.properties.end() || it->second.empty()) {
        throw UsageError("no Kafka cluster: pass --bootstrap HOST:PORT or set KAFKA_BOOTSTRAP_SERVERS");
    }
    try {
        config.Validate();
    } catch (const std::invalid_argument& error) {
        throw UsageError(error.what());
    }
    return config;
}

}  // namespace cosmic::cosmicctl
