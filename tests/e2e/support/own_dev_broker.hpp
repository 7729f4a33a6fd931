#pragma once
/// A dev-broker (librdkafka mock cluster) of one test's own, beside the shared cluster: for faults
/// only the mock can inject (request errors, RTT, leader moves) whatever Kafka the fixture runs.
/// Registered in COSMIC_E2E_DIR/pids like the services, so cluster.sh stop kills what a crashed
/// test left.

#include <filesystem>
#include <memory>
#include <string>

#include "cosmic/testing/child_process.hpp"
#include "e2e_env.hpp"

namespace cosmic::e2e {

class OwnDevBroker {
  public:
    /// Starts `dev-broker --brokers N` with its files and log in `dir`; waits until its bootstrap
    /// file and control port are written. Throws std::runtime_error when it does not start.
    OwnDevBroker(const std::filesystem::path& dir, int brokers = 3);
    /// SIGTERM (SIGKILL after a deadline).
    ~OwnDevBroker();
    OwnDevBroker(const OwnDevBroker&) = delete;
    OwnDevBroker& operator=(const OwnDevBroker&) = delete;

    const std::string& Bootstrap() const { return bootstrap_; }
    /// The fault-injection API: "http://127.0.0.1:P".
    const std::string& ControlUrl() const { return control_url_; }
    /// POSTs `body` to the control API's `path`; throws unless it answers 2xx.
    void Post(const std::string& path, const std::string& body = "{}") const;
    bool Running() { return process_->Running(); }

  private:
    std::unique_ptr<cosmic::testing::ChildProcess> process_;
    std::filesystem::path pid_record_;
    std::string bootstrap_;
    std::string control_url_;
};

}  // namespace cosmic::e2e
