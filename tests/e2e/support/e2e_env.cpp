#include "e2e_env.hpp"

#include <cstdlib>
#include <fstream>
#include <map>
#include <stdexcept>

namespace cosmic::e2e {
namespace {

std::string ReadFirstLine(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    if (!in || !std::getline(in, line) || line.empty()) {
        throw std::runtime_error("e2e: cannot read " + path.string() +
                                 " (is the e2e_cluster fixture running? run the tests through ctest)");
    }
    return line;
}

ClusterInfo LoadCluster() {
    const char* dir = std::getenv("COSMIC_E2E_DIR");
    if (dir == nullptr || *dir == '\0') {
        throw std::runtime_error("e2e: COSMIC_E2E_DIR is not set (run the tests through ctest -L e2e)");
    }
    ClusterInfo info;
    info.dir = dir;
    info.bootstrap = ReadFirstLine(info.dir / "bootstrap");
    info.real = ReadFirstLine(info.dir / "mode") == "real";
    if (info.real) {
        info.kafka_dir = info.dir / "kafka";
    } else {
        info.control_url = "http://127.0.0.1:" + ReadFirstLine(info.dir / "dev-broker.port");
    }
    return info;
}

}  // namespace

const ClusterInfo& Cluster() {
    static const ClusterInfo info = LoadCluster();
    return info;
}

std::filesystem::path BinaryPath(std::string_view name) {
    // Set by tests/e2e/CMakeLists.txt from $<TARGET_FILE:...>; empty for a target not built.
    static const std::map<std::string_view, std::string_view> kBinaries = {
        {"job-orchestrator", COSMIC_E2E_BIN_JOB_ORCHESTRATOR},
        {"metrics-consumer", COSMIC_E2E_BIN_METRICS_CONSUMER},
        {"audit-consumer", COSMIC_E2E_BIN_AUDIT_CONSUMER},
        {"notification-consumer", COSMIC_E2E_BIN_NOTIFICATION_CONSUMER},
        {"health-monitor", COSMIC_E2E_BIN_HEALTH_MONITOR},
        {"cosmicctl", COSMIC_E2E_BIN_COSMICCTL},
        {"dev-broker", COSMIC_E2E_BIN_DEV_BROKER},
        {"loadgen", COSMIC_E2E_BIN_LOADGEN},
    };
    const auto it = kBinaries.find(name);
    if (it == kBinaries.end()) {
        throw std::invalid_argument("e2e: no binary named " + std::string(name));
    }
    return std::filesystem::path(it->second);
}

ServiceOptions E2eServiceOptions(const std::string& name, const std::filesystem::path& run_dir,
                                 const std::string& bootstrap, const std::map<std::string, std::string>& env) {
    ServiceOptions options;
    options.name = name;
    options.binary = BinaryPath(name);
    options.run_dir = run_dir;
    options.pid_dir = Cluster().dir / "pids";
    options.env = {{"KAFKA_BOOTSTRAP_SERVERS", bootstrap}, {"COSMIC_INSTANCE_ID", name + "-e2e"}};
    for (const auto& [variable, value] : env) {
        options.env[variable] = value;
    }
    if (env.count("KAFKA_BROKERS") != 0) {
        options.env.erase("KAFKA_BOOTSTRAP_SERVERS");  // a test of the original stack's variable
    }
    return options;
}

std::filesystem::path SourceDir() { return std::filesystem::path(COSMIC_E2E_SOURCE_DIR); }

std::filesystem::path FreshRunDir(std::string_view name) {
    std::filesystem::path path = Cluster().dir / "runs" / std::string(name);
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
    return path;
}

}  // namespace cosmic::e2e
