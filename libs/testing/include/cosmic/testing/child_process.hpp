#pragma once
/// A program under test as a child process: spawned with posix_spawn in its own process group,
/// with a clean environment (or the test's own), its output appended to files; stopped with
/// SIGTERM and a deadline, killed with SIGKILL, its exit status as a shell shows it (the exit
/// code, or 128 + the signal).

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cosmic::testing {

struct ProcessOptions {
    /// A path, or a bare name looked up in the test's PATH ("node", "npm").
    std::filesystem::path binary{};
    std::vector<std::string> args{};  ///< after argv[0]
    /// Variables on top of the base environment (they win).
    std::map<std::string, std::string> env{};
    /// false: the base is only what a process needs to run at all (PATH, HOME, TMPDIR, LANG, TZ)
    /// and the sanitizer settings, so a developer's own COSMIC_* or KAFKA_* never leak into a
    /// test. true: the test's whole environment.
    bool inherit_environment = false;
    /// stdin reads this file; empty = /dev/null.
    std::filesystem::path stdin_path{};
    /// stdout is appended to this file; empty = /dev/null.
    std::filesystem::path stdout_path{};
    /// stderr is appended to this file; empty = wherever stdout goes.
    std::filesystem::path stderr_path{};
};

class ChildProcess {
  public:
    /// Spawns the process; throws std::runtime_error when it cannot be started.
    explicit ChildProcess(ProcessOptions options);
    /// SIGKILLs a process still running (a test that failed half-way) and reaps it.
    ~ChildProcess();
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    pid_t Pid() const { return pid_; }
    const ProcessOptions& Options() const { return options_; }

    /// True while the child has not exited (reaps it when it has).
    bool Running();
    /// Sends `signal` to a running child; false when it has exited.
    bool Signal(int signal);
    /// Waits for the exit; the exit status, or nullopt when it still runs after `timeout`.
    std::optional<int> Wait(std::chrono::milliseconds timeout);
    /// SIGTERM, then waits for the exit; SIGKILL after `deadline`. The exit status (137 when it
    /// had to be killed).
    int Stop(std::chrono::milliseconds deadline = std::chrono::seconds(20));
    /// SIGKILL and reap: a crash, no graceful shutdown. The exit status.
    int Kill();
    /// The exit status once the child has exited.
    std::optional<int> ExitStatus() const { return exit_status_; }

  private:
    bool Reap(bool block);

    ProcessOptions options_;
    pid_t pid_ = -1;
    std::optional<int> exit_status_;
};

/// What a program that ran to completion left.
struct CommandResult {
    int exit_status = -1;
    std::string out;  ///< its stdout, when captured
    std::string err;  ///< its stderr, when captured
};

/// Runs a program to completion. Output goes to the files `options` names; when it names none,
/// stdout and stderr are captured separately and returned. SIGKILLs it and throws
/// std::runtime_error when it still runs after `timeout`.
CommandResult RunCommand(ProcessOptions options, std::chrono::milliseconds timeout = std::chrono::minutes(2));

}  // namespace cosmic::testing
