#include "broker_control.hpp"

#include <chrono>
#include <iostream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cosmic/testing/child_process.hpp"

namespace cosmic::e2e {

int RunCommand(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const std::map<std::string, std::string>& env) {
    cosmic::testing::ProcessOptions options;
    options.binary = argv.at(0);
    options.args.assign(argv.begin() + 1, argv.end());
    options.env = env;
    options.inherit_environment = true;
    options.stdout_path = log;
    // ctest's timeout is the real bound; this one only keeps a hung script from outliving it.
    return cosmic::testing::RunCommand(std::move(options), std::chrono::minutes(15)).exit_status;
}

BrokerControl::BrokerControl(const ClusterInfo& cluster, std::filesystem::path log)
    : cluster_(cluster), log_(std::move(log)) {}

BrokerControl::~BrokerControl() {
    for (const int node : std::set<int>(paused_)) {
        try {
            Resume(node);
        } catch (const std::exception& error) {
            std::cerr << "e2e: could not resume broker " << node << ": " << error.what() << std::endl;
        }
    }
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

void BrokerControl::RestartAll() {
    const std::set<int> nodes = down_;
    if (!cluster_.real) {
        for (const int node : nodes) Restart(node);
        return;
    }
    std::vector<std::thread> restarts;
    std::vector<std::string> errors(4);
    for (const int node : nodes) {
        restarts.emplace_back([&, node] {
            try {
                // Every node recovers its logs and the quorum at once on two cores: more than one
                // node's restart needs.
                RunScript("restart", node, {"--timeout", "240"});
            } catch (const std::exception& error) {
                errors.at(static_cast<std::size_t>(node)) = error.what();
            }
        });
    }
    for (auto& restart : restarts) restart.join();
    for (const auto& error : errors) {
        if (!error.empty()) throw std::runtime_error(error);
    }
    down_.clear();
}

void BrokerControl::Pause(int node) {
    if (!cluster_.real) throw std::runtime_error("e2e: the dev-broker cannot pause one broker");
    paused_.insert(node);
    RunScript("pause", node);
}

void BrokerControl::Resume(int node) {
    if (!cluster_.real) throw std::runtime_error("e2e: the dev-broker cannot pause one broker");
    RunScript("resume", node);
    paused_.erase(node);
}

void BrokerControl::RunScript(const std::string& command, int node, const std::vector<std::string>& extra) {
    const std::string script = (SourceDir() / "scripts" / "kafka").string();
    std::vector<std::string> argv = {script, command, "--dir", cluster_.kafka_dir.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(std::to_string(node));
    const int status = RunCommand(argv, log_);
    if (status != 0) {
        throw std::runtime_error("e2e: scripts/kafka " + command + " " + std::to_string(node) + " exited with " +
                                 std::to_string(status) + " (see " + log_.string() + ")");
    }
}

void BrokerControl::PostControl(const std::string& path) {
    HttpClient http(cluster_.control_url);
    const HttpResponse result = http.Post(path, "{}");
    if (!result.Ok()) {
        throw std::runtime_error("e2e: dev-broker POST " + path + ": " + result.Describe());
    }
}

}  // namespace cosmic::e2e
