#include "cosmic/testing/kafka_env.hpp"

#include <cctype>

namespace cosmic::testing {

std::string KafkaEnvName(std::string_view property) {
    std::string name = "KAFKA_";
    for (const char c : property) {
        if (c == '.') {
            name += '_';
        } else if (c == '_') {
            name += "__";
        } else {
            name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
    }
    return name;
}

std::map<std::string, std::string> KafkaEnvironment(const std::map<std::string, std::string>& properties) {
    std::map<std::string, std::string> env;
    for (const auto& [property, value] : properties) {
        env[KafkaEnvName(property)] = value;
    }
    return env;
}

}  // namespace cosmic::testing
