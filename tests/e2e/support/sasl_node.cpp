#include "sasl_node.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <stdexcept>

extern char** environ;

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

int RunCommandWithEnv(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                      const std::filesystem::path& log) {
    std::map<std::string, std::string> merged;
    for (char** entry = environ; *entry != nullptr; ++entry) {
        const std::string text(*entry);
        const auto equals = text.find('=');
        if (equals != std::string::npos) {
            merged[text.substr(0, equals)] = text.substr(equals + 1);
        }
    }
    for (const auto& [name, value] : env) {
        merged[name] = value;
    }
    std::vector<std::string> entries;
    entries.reserve(merged.size());
    for (const auto& [name, value] : merged) {
        entries.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    envp.reserve(entries.size() + 1);
    for (auto& entry : entries) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = argv;
    std::vector<char*> raw;
    raw.reserve(args.size() + 1);
    for (auto& arg : args) {
        raw.push_back(arg.data());
    }
    raw.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    const std::string log_path = log.string();
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, raw[0], &actions, nullptr, raw.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        throw std::runtime_error("e2e: cannot run " + argv[0] + ": " + std::strerror(rc));
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            throw std::runtime_error("e2e: waitpid: " + std::string(std::strerror(errno)));
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace cosmic::e2e
