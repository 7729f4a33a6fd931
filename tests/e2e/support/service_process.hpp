#pragma once
/// One service binary under test as a child process: started with posix_spawn and a clean
/// environment, output appended to a log file, its HTTP port learnt from COSMIC_PORT_FILE,
/// readiness from /readyz; stopped with SIGTERM or killed with SIGKILL, and started again with
/// the same environment and data directory.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace cosmic::e2e {

struct ServiceOptions {
    std::string name;                   ///< e.g. "audit-consumer"; also the instance id and log name
    std::filesystem::path binary;       ///< BinaryPath(name) unless set
    std::filesystem::path run_dir;      ///< holds <name>.log, <name>.port and data/<name>/
    std::string bootstrap;              ///< KAFKA_BOOTSTRAP_SERVERS
    std::filesystem::path tokens_file;  ///< COSMIC_TOKENS_FILE (optional)
    /// Further variables (COSMIC_*, KAFKA_*), added to the clean environment.
    std::map<std::string, std::string> env;
    std::vector<std::string> args;  ///< command-line arguments after the binary
};

class ServiceProcess {
  public:
    explicit ServiceProcess(ServiceOptions options);
    /// SIGKILLs a process still running (a test that failed half-way).
    ~ServiceProcess();
    ServiceProcess(const ServiceProcess&) = delete;
    ServiceProcess& operator=(const ServiceProcess&) = delete;

    /// Spawns the process and waits until it wrote its port file and /readyz answers 200.
    /// Throws std::runtime_error with the log's tail when it exits or the deadline passes.
    void Start(std::chrono::milliseconds ready_timeout = std::chrono::seconds(90));
    /// Spawns the process and waits only until it wrote its port file (its HTTP server is up),
    /// not for readiness: for a service that is expected not to become ready. Throws like Start.
    void Launch(std::chrono::milliseconds port_timeout = std::chrono::seconds(60));
    /// SIGTERM, then waits for the exit (SIGKILL after `deadline`). Returns the exit status as
    /// a shell shows it (128 + signal for a signal).
    int Stop(std::chrono::milliseconds deadline = std::chrono::seconds(20));
    /// SIGKILL and reap: a crash, no graceful shutdown.
    void Kill();
    /// True while the child has not exited.
    bool Running();

    int Port() const { return port_; }
    std::string BaseUrl() const;
    const std::string& Name() const { return options_.name; }
    std::filesystem::path DataDir() const;
    std::filesystem::path LogPath() const;
    /// The last `bytes` of the log, for failure messages.
    std::string LogTail(std::size_t bytes = 4000) const;

  private:
    std::vector<std::string> Environment() const;
    void Spawn();
    void WaitForPort(std::chrono::steady_clock::time_point deadline);
    void WaitReady(std::chrono::steady_clock::time_point deadline);
    bool Reap(bool block);
    [[noreturn]] void Fail(const std::string& what) const;

    ServiceOptions options_;
    pid_t pid_ = -1;
    int exit_status_ = -1;
    int port_ = 0;
    std::filesystem::path pid_record_;  ///< COSMIC_E2E_DIR/pids/<pid>, for the fixture's cleanup
};

}  // namespace cosmic::e2e
