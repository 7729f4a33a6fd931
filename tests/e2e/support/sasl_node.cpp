#include "sasl_node.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace cosmic::e2e {
namespace {

std::string FirstLine(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line) || line.empty()) {
        throw std::runtime_error("e2e: cannot read " + path.string() +
                                 " (is the e2e_sasl_cluster fixture running? run the tests through ctest)");
    }
    return line;
}

/// key=value lines of a librdkafka properties file.
std::map<std::string, std::string> ReadProperties(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) {
        throw std::runtime_error("e2e: cannot read " + path.string());
    }
    std::map<std::string, std::string> properties;
    std::string line;
    while (std::getline(in, line)) {
        const auto equals = line.find('=');
        if (line.empty() || line[0] == '#' || equals == std::string::npos) {
            continue;
        }
        properties[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return properties;
}

}  // namespace

SaslNode LoadSaslNode() {
    const char* dir = std::getenv("COSMIC_E2E_DIR");
    if (dir == nullptr || *dir == '\0') {
        throw std::runtime_error("e2e: COSMIC_E2E_DIR is not set (run the tests through ctest -L e2e)");
    }
    SaslNode node;
    node.dir = dir;
    node.real = FirstLine(node.dir / "mode") == "real";
    if (!node.real) {
        return node;
    }
    node.bootstrap = FirstLine(node.dir / "bootstrap");
    const auto client = ReadProperties(node.dir / "kafka" / "client.properties");
    const auto value = [&](const std::string& name) {
        const auto it = client.find(name);
        if (it == client.end() || it->second.empty()) {
            throw std::runtime_error("e2e: no " + name + " in " + (node.dir / "kafka" / "client.properties").string());
        }
        return it->second;
    };
    node.username = value("sasl.username");
    node.password = value("sasl.password");
    node.ca_location = value("ssl.ca.location");
    return node;
}

std::map<std::string, std::string> SaslNode::Env(std::string_view mechanism, std::string_view with_password) const {
    return {{"KAFKA_SECURITY_PROTOCOL", "SASL_SSL"},
            {"KAFKA_SASL_MECHANISM", std::string(mechanism)},
            {"KAFKA_SASL_USERNAME", username},
            {"KAFKA_SASL_PASSWORD", std::string(with_password)},
            {"KAFKA_SSL_CA_LOCATION", ca_location.string()}};
}

std::map<std::string, std::string> SaslNode::Properties(std::string_view mechanism) const {
    return {{"security.protocol", "SASL_SSL"},
            {"sasl.mechanism", std::string(mechanism)},
            {"sasl.username", username},
            {"sasl.password", password},
            {"ssl.ca.location", ca_location.string()}};
}

}  // namespace cosmic::e2e
