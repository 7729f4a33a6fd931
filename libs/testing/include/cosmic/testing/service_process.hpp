#pragma once
/// A service binary under test as a child process, run the way an operator runs it: HTTP on
/// port 0 (the port learnt from COSMIC_PORT_FILE), its own data directory (COSMIC_DATA_DIR), a
/// tokens file it is given (COSMIC_TOKENS_FILE), the test's extra settings, its stdout and stderr
/// in a log file; started and waited on until /readyz answers 200, stopped with SIGTERM (SIGKILL
/// after a deadline) or killed with SIGKILL, and started again on the same directory.

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/tokens.hpp"

namespace cosmic::testing {

struct ServiceOptions {
    std::string name{};  ///< e.g. "audit-consumer": names its log, port file and data directory
    std::filesystem::path binary{};
    /// Holds <name>.log, <name>.port, <name>.tokens.json and data/<name>/. Empty: a temporary
    /// directory the fixture owns (removed with it).
    std::filesystem::path run_dir{};
    /// Written to <run_dir>/<name>.tokens.json and given as COSMIC_TOKENS_FILE when non-empty.
    std::vector<TokenSpec> tokens{};
    /// An existing tokens file to give as COSMIC_TOKENS_FILE instead (when `tokens` is empty).
    std::filesystem::path tokens_file{};
    /// Further variables (KAFKA_*, COSMIC_*); they win over the fixture's own.
    std::map<std::string, std::string> env{};
    std::vector<std::string> args{};  ///< command-line arguments
    /// Polled until it answers 200 ("/healthz" for a service without a readiness rule).
    std::string ready_path = "/readyz";
    /// When set, a file <pid_dir>/<pid> holding the binary's path records the running child, so
    /// an outside cleanup can kill what a crashed test binary left behind.
    std::filesystem::path pid_dir{};
};

class ServiceProcess {
  public:
    /// Checks the binary exists and prepares the directories and the tokens file; starts nothing.
    explicit ServiceProcess(ServiceOptions options);
    /// SIGKILLs a process still running (a test that failed half-way).
    ~ServiceProcess();
    ServiceProcess(const ServiceProcess&) = delete;
    ServiceProcess& operator=(const ServiceProcess&) = delete;

    /// Spawns the process and waits until it wrote its port file and `ready_path` answers 200.
    /// Throws std::runtime_error with the log's tail when it exits or the deadline passes first.
    void Start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(90));
    /// Spawns the process and waits only until it wrote its port file (its HTTP server is up):
    /// for a service that is not expected to become ready. Throws like Start.
    void Launch(std::chrono::milliseconds port_timeout = std::chrono::seconds(60));
    /// SIGTERM, then waits for the exit (SIGKILL after `deadline`). The exit status as a shell
    /// shows it (128 + signal for a signal); -1 when it was never started.
    int Stop(std::chrono::milliseconds deadline = std::chrono::seconds(20));
    /// SIGKILL and reap: a crash, no graceful shutdown. The exit status.
    int Kill();
    /// True while the child has not exited.
    bool Running();
    /// SIGSTOP / SIGCONT: a process that hangs (or a paused pod) without exiting. False when it
    /// is not running.
    bool Pause();
    bool Resume();
    /// The running child's pid (0 when none).
    int Pid() const;

    int Port() const { return port_; }
    /// "http://127.0.0.1:<port>".
    std::string BaseUrl() const;
    const std::string& Name() const { return options_.name; }
    const std::filesystem::path& RunDir() const { return run_dir_; }
    std::filesystem::path DataDir() const;
    std::filesystem::path LogPath() const;
    std::filesystem::path PortFile() const;
    /// COSMIC_TOKENS_FILE as given to the service (empty when none).
    const std::filesystem::path& TokensFile() const { return tokens_file_; }
    /// The last `bytes` of the log, for failure messages.
    std::string LogTail(std::size_t bytes = 4000) const;

  private:
    void Spawn();
    void WaitForPort(std::chrono::steady_clock::time_point deadline);
    void WaitReady(std::chrono::steady_clock::time_point deadline);
    void Forget();
    [[noreturn]] void Fail(const std::string& what) const;

    ServiceOptions options_;
    std::optional<TempDir> own_dir_;
    std::filesystem::path run_dir_;
    std::filesystem::path tokens_file_;
    std::unique_ptr<ChildProcess> child_;
    int port_ = 0;
    std::filesystem::path pid_record_;
};

}  // namespace cosmic::testing
