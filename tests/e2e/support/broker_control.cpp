#include "broker_control.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>

#include "http_client.hpp"

extern char** environ;

namespace cosmic::e2e {

int RunCommand(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const std::map<std::string, std::string>& env) {
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

BrokerControl::BrokerControl(const ClusterInfo& cluster, std::filesystem::path log)
    : cluster_(cluster), log_(std::move(log)) {}

BrokerControl::~BrokerControl() {
    for (const int node : std::set<int>(down_)) {
        try {
            Restart(node);
        } catch (const std::exception& error) {
            // A destructor cannot fail the test; the next test's readiness waits will.
            std::cerr << "e2e: could not bring broker " << node << " back: " << error.what() << std::endl;
        }
    }
}

void BrokerControl::Kill(int node) {
    down_.insert(node);
    if (cluster_.real) {
        RunScript("kill", node);
    } else {
        PostControl("/brokers/" + std::to_string(node) + "/down");
    }
}

void BrokerControl::Restart(int node) {
    if (cluster_.real) {
        RunScript("restart", node);
    } else {
        PostControl("/brokers/" + std::to_string(node) + "/up");
    }
    down_.erase(node);
}

void BrokerControl::RunScript(const std::string& command, int node) {
    const std::string script = (SourceDir() / "scripts" / "kafka").string();
    const int status = RunCommand({script, command, "--dir", cluster_.kafka_dir.string(), std::to_string(node)}, log_);
    if (status != 0) {
        throw std::runtime_error("e2e: scripts/kafka " + command + " " + std::to_string(node) + " exited with " +
                                 std::to_string(status) + " (see " + log_.string() + ")");
    }
}

void BrokerControl::PostControl(const std::string& path) {
    HttpClient http(cluster_.control_url);
    const HttpResult result = http.Post(path, "{}");
    if (!result.Ok()) {
        throw std::runtime_error("e2e: dev-broker POST " + path + ": " + result.Describe());
    }
}

}  // namespace cosmic::e2e
