#pragma once
/// Takes a broker of the shared cluster away and brings it back. On the real cluster through
/// scripts/kafka: SIGKILL, then a restart on the same storage and ports that waits until the
/// broker rejoined. On the dev-broker through its control API: the broker closes its
/// connections and refuses new ones, then serves again.

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "e2e_env.hpp"

namespace cosmic::e2e {

/// Runs `argv` (argv[0] a path) with output appended to `log` and the test's environment plus
/// `env` (which wins); returns its exit status.
int RunCommand(const std::vector<std::string>& argv, const std::filesystem::path& log,
               const std::map<std::string, std::string>& env = {});

class BrokerControl {
  public:
    /// `log` collects scripts/kafka's output.
    BrokerControl(const ClusterInfo& cluster, std::filesystem::path log);
    /// Restarts every node this object took down and did not bring back (a test that failed
    /// half-way), so the next test gets a whole cluster.
    ~BrokerControl();
    BrokerControl(const BrokerControl&) = delete;
    BrokerControl& operator=(const BrokerControl&) = delete;

    /// SIGKILL node `node` (1..3) and wait until it is gone (mock: broker down). Throws on failure.
    void Kill(int node);
    /// Start node `node` again and wait until it is back in the cluster (mock: broker up).
    void Restart(int node);
    /// Every node taken down, started again at once (a KRaft quorum needs two of three nodes, so
    /// after a full outage they cannot come back one after the other). Throws on failure.
    void RestartAll();
    /// SIGSTOP / SIGCONT one node (real cluster only: a hung broker that keeps its sockets open).
    void Pause(int node);
    void Resume(int node);

  private:
    void RunScript(const std::string& command, int node, const std::vector<std::string>& extra = {});
    void PostControl(const std::string& path);

    ClusterInfo cluster_;
    std::filesystem::path log_;
    std::set<int> down_;
    std::set<int> paused_;
};

}  // namespace cosmic::e2e
