#include "cosmic/testing/child_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/wait.hpp"

extern char** environ;  // NOLINT: POSIX

namespace cosmic::testing {
namespace {

/// What a clean environment keeps from the test's own: what a process needs to run at all, and
/// the sanitizer settings of a sanitizer build.
constexpr const char* kPassThrough[] = {"PATH", "HOME",         "TMPDIR",        "LANG",
                                        "TZ",   "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};

/// Owns one posix_spawn object (file actions or attributes) for the scope of a spawn.
template <typename T, int (*kInit)(T*), int (*kDestroy)(T*)>
class SpawnObject {
  public:
    SpawnObject() { kInit(&object_); }
    ~SpawnObject() { kDestroy(&object_); }
    SpawnObject(const SpawnObject&) = delete;
    SpawnObject& operator=(const SpawnObject&) = delete;
    T* Get() { return &object_; }

  private:
    T object_;
};

using SpawnActions =
    SpawnObject<posix_spawn_file_actions_t, posix_spawn_file_actions_init, posix_spawn_file_actions_destroy>;
using SpawnAttributes = SpawnObject<posix_spawnattr_t, posix_spawnattr_init, posix_spawnattr_destroy>;

int ShellStatus(int wait_status) {
    if (WIFEXITED(wait_status)) {
        return WEXITSTATUS(wait_status);
    }
    if (WIFSIGNALED(wait_status)) {
        return 128 + WTERMSIG(wait_status);
    }
    return -1;
}

std::vector<std::string> Environment(const ProcessOptions& options) {
    std::map<std::string, std::string> env;
    if (options.inherit_environment) {
        for (char** entry = environ; *entry != nullptr; ++entry) {
            const std::string_view text(*entry);
            const std::size_t equals = text.find('=');
            if (equals != std::string_view::npos) {
                env[std::string(text.substr(0, equals))] = std::string(text.substr(equals + 1));
            }
        }
    } else {
        for (const char* name : kPassThrough) {
            if (const char* value = std::getenv(name); value != nullptr) {
                env[name] = value;
            }
        }
    }
    for (const auto& [name, value] : options.env) {
        env[name] = value;
    }
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [name, value] : env) {
        out.push_back(name + "=" + value);
    }
    return out;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (auto& s : strings) {
        pointers.push_back(s.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

}  // namespace

ChildProcess::ChildProcess(ProcessOptions options) : options_(std::move(options)) {
    const std::string binary = options_.binary.string();
    const std::string in = options_.stdin_path.empty() ? "/dev/null" : options_.stdin_path.string();
    const std::string out = options_.stdout_path.empty() ? "/dev/null" : options_.stdout_path.string();
    const std::string err = options_.stderr_path.string();
    SpawnActions actions;
    posix_spawn_file_actions_addopen(actions.Get(), STDIN_FILENO, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(actions.Get(), STDOUT_FILENO, out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (err.empty()) {
        posix_spawn_file_actions_adddup2(actions.Get(), STDOUT_FILENO, STDERR_FILENO);
    } else {
        posix_spawn_file_actions_addopen(actions.Get(), STDERR_FILENO, err.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                                         0644);
    }
    SpawnAttributes attributes;
    // Its own process group (a terminal's Ctrl-C reaches the test, which then stops it), an empty
    // signal mask and default SIGTERM/SIGINT/SIGPIPE handling whatever the test runner has.
    sigset_t empty;
    sigemptyset(&empty);
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGPIPE);
    posix_spawnattr_setflags(attributes.Get(), POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(attributes.Get(), 0);
    posix_spawnattr_setsigmask(attributes.Get(), &empty);
    posix_spawnattr_setsigdefault(attributes.Get(), &defaults);

    std::vector<std::string> args{binary};
    args.insert(args.end(), options_.args.begin(), options_.args.end());
    std::vector<std::string> env = Environment(options_);
    std::vector<char*> argv = Pointers(args);
    std::vector<char*> envp = Pointers(env);
    pid_t pid = -1;
    // A bare name is looked up in the test's PATH, as a shell would.
    const auto spawn = binary.find('/') == std::string::npos ? posix_spawnp : posix_spawn;
    if (const int rc = spawn(&pid, binary.c_str(), actions.Get(), attributes.Get(), argv.data(), envp.data());
        rc != 0) {
        throw std::runtime_error("cannot start " + binary + ": " + std::strerror(rc));
    }
    pid_ = pid;
}

ChildProcess::~ChildProcess() {
    if (pid_ > 0) {
        Kill();
    }
}

bool ChildProcess::Reap(bool block) {
    if (pid_ <= 0) {
        return true;
    }
    int status = 0;
    pid_t got = 0;
    do {
        got = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (got < 0 && errno == EINTR);
    if (got == 0) {
        return false;
    }
    exit_status_ = got == pid_ ? ShellStatus(status) : -1;
    pid_ = -1;
    return true;
}

bool ChildProcess::Running() { return !Reap(false); }

bool ChildProcess::Signal(int signal) { return Running() && ::kill(pid_, signal) == 0; }

std::optional<int> ChildProcess::Wait(std::chrono::milliseconds timeout) {
    if (!WaitUntil([this] { return Reap(false); }, timeout, std::chrono::milliseconds(20))) {
        return std::nullopt;
    }
    return exit_status_;
}

int ChildProcess::Stop(std::chrono::milliseconds deadline) {
    if (Signal(SIGTERM) && !Wait(deadline)) {
        Kill();
    }
    return exit_status_.value_or(-1);
}

int ChildProcess::Kill() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        Reap(true);
    }
    return exit_status_.value_or(-1);
}

CommandResult RunCommand(ProcessOptions options, std::chrono::milliseconds timeout) {
    std::optional<TempDir> capture;
    if (options.stdout_path.empty() && options.stderr_path.empty()) {
        capture.emplace("cosmic-command");
        options.stdout_path = capture->File("stdout");
        options.stderr_path = capture->File("stderr");
    }
    const std::string binary = options.binary.string();
    ChildProcess child(std::move(options));
    CommandResult result;
    const std::optional<int> status = child.Wait(timeout);
    if (!status) {
        child.Kill();
        throw std::runtime_error(binary + " still ran after " + std::to_string(timeout.count()) + " ms");
    }
    result.exit_status = *status;
    if (capture) {
        result.out = ReadFile(capture->File("stdout"));
        result.err = ReadFile(capture->File("stderr"));
    }
    return result;
}

}  // namespace cosmic::testing
