#include "kafka_env.hpp"

#include <cctype>
#include <regex>
#include <stdexcept>

#include "args.hpp"

namespace cosmic::cosmicctl {
namespace {

bool IsServiceLinkVariable(const std::string& name) {
    // Kubernetes injects KAFKA_PORT=tcp://..., KAFKA_SERVICE_HOST, ... for a Service named kafka.
    static const std::regex kPattern(
        "[A-Z0-9_]+_(SERVICE_HOST|SERVICE_PORT(_[A-Z0-9_]+)?|PORT|PORT_[0-9]+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)");
    return std::regex_match(name, kPattern);
}

}  // namespace

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
