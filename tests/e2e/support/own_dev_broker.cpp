#include "own_dev_broker.hpp"

#include <fstream>
#include <stdexcept>

namespace cosmic::e2e {
namespace {

std::string FirstLine(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

}  // namespace

OwnDevBroker::OwnDevBroker(const std::filesystem::path& dir, int brokers) {
    const std::filesystem::path binary = BinaryPath("dev-broker");
    if (binary.empty()) throw std::runtime_error("e2e: dev-broker is not built");
    std::filesystem::create_directories(dir);
    const std::filesystem::path bootstrap_file = dir / "dev-broker.bootstrap";
    const std::filesystem::path port_file = dir / "dev-broker.port";
    std::filesystem::remove(bootstrap_file);
    std::filesystem::remove(port_file);
    cosmic::testing::ProcessOptions options;
    options.binary = binary;
    options.args = {"--brokers", std::to_string(brokers), "--bootstrap-file", bootstrap_file.string(),
                    "--control-port", "0"};
    options.env = {{"COSMIC_PORT_FILE", port_file.string()}};
    options.stdout_path = dir / "dev-broker.log";
    process_ = std::make_unique<cosmic::testing::ChildProcess>(std::move(options));
    pid_record_ = Cluster().dir / "pids" / std::to_string(process_->Pid());
    std::filesystem::create_directories(pid_record_.parent_path());
    std::ofstream(pid_record_) << std::filesystem::canonical(binary).string();
    const bool started = WaitUntil(
        [&] {
            return !process_->Running() || (!FirstLine(bootstrap_file).empty() && !FirstLine(port_file).empty());
        },
        std::chrono::seconds(30));
    if (!started || !process_->Running()) {
        throw std::runtime_error("e2e: dev-broker did not start; see " + (dir / "dev-broker.log").string());
    }
    bootstrap_ = FirstLine(bootstrap_file);
    control_url_ = "http://127.0.0.1:" + FirstLine(port_file);
}

OwnDevBroker::~OwnDevBroker() {
    process_->Stop(std::chrono::seconds(10));
    std::error_code ignored;
    std::filesystem::remove(pid_record_, ignored);
}

void OwnDevBroker::Post(const std::string& path, const std::string& body) const {
    const HttpResponse result = HttpClient(control_url_).Post(path, body);
    if (!result.Ok()) throw std::runtime_error("e2e: dev-broker POST " + path + ": " + result.Describe());
}

}  // namespace cosmic::e2e
