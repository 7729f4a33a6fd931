#include "environment.hpp"

#include <stdexcept>

#include "args.hpp"
#include "cosmic/service/kafka_env.hpp"

extern char** environ;

namespace cosmic::cosmicctl {

std::map<std::string, std::string> Environment() {
    std::map<std::string, std::string> env;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text = *entry;
        if (auto eq = text.find('='); eq != std::string::npos) {
            env[text.substr(0, eq)] = text.substr(eq + 1);
        }
    }
    return env;
}

kafka::ClientConfig ClientConfigFrom(const std::map<std::string, std::string>& env,
                                     const std::optional<std::string>& bootstrap) {
    kafka::ClientConfig config;
    for (const auto& [name, value] : env) {
        if (!name.starts_with("KAFKA_") || name == "KAFKA_ENABLED" || service::IsServiceLinkVariable(name)) {
            continue;
        }
        config.properties[service::KafkaPropertyFromEnv(name)] = value;
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
