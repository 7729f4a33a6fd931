#include "service_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "e2e_env.hpp"
#include "http_client.hpp"
#include "wait.hpp"

namespace cosmic::e2e {
namespace {

/// Variables passed through from the test's own environment: what a process needs to run at
/// all, and the sanitizer settings of a sanitizer build.
constexpr const char* kPassThrough[] = {"PATH", "HOME",         "TMPDIR",        "LANG",
                                        "TZ",   "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"};

class SpawnActions {
  public:
    SpawnActions() { posix_spawn_file_actions_init(&actions_); }
    ~SpawnActions() { posix_spawn_file_actions_destroy(&actions_); }
    SpawnActions(const SpawnActions&) = delete;
    SpawnActions& operator=(const SpawnActions&) = delete;
    posix_spawn_file_actions_t* Get() { return &actions_; }

  private:
    posix_spawn_file_actions_t actions_;
};

class SpawnAttributes {
  public:
    SpawnAttributes() { posix_spawnattr_init(&attr_); }
    ~SpawnAttributes() { posix_spawnattr_destroy(&attr_); }
    SpawnAttributes(const SpawnAttributes&) = delete;
    SpawnAttributes& operator=(const SpawnAttributes&) = delete;
    posix_spawnattr_t* Get() { return &attr_; }

  private:
    posix_spawnattr_t attr_;
};

int ShellStatus(int wait_status) {
    if (WIFEXITED(wait_status)) {
        return WEXITSTATUS(wait_status);
    }
    if (WIFSIGNALED(wait_status)) {
        return 128 + WTERMSIG(wait_status);
    }
    return -1;
}

}  // namespace

ServiceProcess::ServiceProcess(ServiceOptions options) : options_(std::move(options)) {
    if (options_.binary.empty()) {
        options_.binary = BinaryPath(options_.name);
    }
    if (options_.binary.empty() || !std::filesystem::exists(options_.binary)) {
        throw std::runtime_error("e2e: " + options_.name + " is not built");
    }
    std::filesystem::create_directories(DataDir());
}

ServiceProcess::~ServiceProcess() {
    if (pid_ > 0) {
        Kill();
    }
}

std::filesystem::path ServiceProcess::DataDir() const { return options_.run_dir / "data" / options_.name; }
std::filesystem::path ServiceProcess::LogPath() const { return options_.run_dir / (options_.name + ".log"); }
std::string ServiceProcess::BaseUrl() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::vector<std::string> ServiceProcess::Environment() const {
    std::map<std::string, std::string> env;
    for (const char* name : kPassThrough) {
        if (const char* value = std::getenv(name); value != nullptr) {
            env[name] = value;
        }
    }
    env["KAFKA_BOOTSTRAP_SERVERS"] = options_.bootstrap;
    env["COSMIC_HTTP_PORT"] = "0";
    env["COSMIC_HTTP_BIND"] = "127.0.0.1";
    env["COSMIC_PORT_FILE"] = (options_.run_dir / (options_.name + ".port")).string();
    env["COSMIC_DATA_DIR"] = DataDir().string();
    env["COSMIC_INSTANCE_ID"] = options_.name + "-e2e";
    if (!options_.tokens_file.empty()) {
        env["COSMIC_TOKENS_FILE"] = options_.tokens_file.string();
    }
    for (const auto& [name, value] : options_.env) {
        env[name] = value;
    }
    std::vector<std::string> out;
    out.reserve(env.size());
    for (const auto& [name, value] : env) {
        out.push_back(name);
        out.back().append("=").append(value);
    }
    return out;
}

void ServiceProcess::Spawn() {
    const std::string log = LogPath().string();
    {
        std::ofstream marker(log, std::ios::app);
        marker << "===== e2e: starting " << options_.name << " =====\n";
    }
    SpawnActions actions;
    posix_spawn_file_actions_addopen(actions.Get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(actions.Get(), STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(actions.Get(), STDOUT_FILENO, STDERR_FILENO);
    SpawnAttributes attributes;
    // Its own process group (a terminal's Ctrl-C reaches the test, which then stops it), an
    // empty signal mask and default SIGTERM/SIGINT handling whatever the test runner has.
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

    const std::string binary = options_.binary.string();
    std::vector<std::string> args{binary};
    args.insert(args.end(), options_.args.begin(), options_.args.end());
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::vector<std::string> env = Environment();
    std::vector<char*> envp;
    envp.reserve(env.size() + 1);
    for (auto& entry : env) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);

    pid_t pid = -1;
    if (const int rc = posix_spawn(&pid, binary.c_str(), actions.Get(), attributes.Get(), argv.data(), envp.data());
        rc != 0) {
        throw std::runtime_error("e2e: posix_spawn " + binary + ": " + std::strerror(rc));
    }
    pid_ = pid;
    exit_status_ = -1;
    // Recorded for tests/e2e/cluster.sh stop, which kills what a crashed test binary left.
    pid_record_ = Cluster().dir / "pids" / std::to_string(pid);
    std::filesystem::create_directories(pid_record_.parent_path());
    std::ofstream(pid_record_) << std::filesystem::canonical(options_.binary).string() << "\n";
}

void ServiceProcess::Start(std::chrono::milliseconds ready_timeout) {
    if (pid_ > 0 && Running()) {
        throw std::logic_error("e2e: " + options_.name + " is already running");
    }
    const auto deadline = Clock::now() + ready_timeout;
    std::filesystem::remove(options_.run_dir / (options_.name + ".port"));
    port_ = 0;
    Spawn();
    WaitForPort(deadline);
    WaitReady(deadline);
}

void ServiceProcess::Launch(std::chrono::milliseconds port_timeout) {
    if (pid_ > 0 && Running()) {
        throw std::logic_error("e2e: " + options_.name + " is already running");
    }
    const auto deadline = Clock::now() + port_timeout;
    std::filesystem::remove(options_.run_dir / (options_.name + ".port"));
    port_ = 0;
    Spawn();
    WaitForPort(deadline);
}

void ServiceProcess::WaitForPort(Clock::time_point deadline) {
    const auto port_file = options_.run_dir / (options_.name + ".port");
    while (true) {
        if (!Running()) {
            Fail("exited with status " + std::to_string(exit_status_) + " before writing its port file");
        }
        std::ifstream in(port_file);
        int port = 0;
        // The file may be caught half-written; a complete one holds a port and a newline.
        std::string text;
        if (in && std::getline(in, text) && !in.eof()) {
            std::istringstream(text) >> port;
        }
        if (port > 0) {
            port_ = port;
            return;
        }
        if (Clock::now() >= deadline) {
            Fail("wrote no port file in time");
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void ServiceProcess::WaitReady(Clock::time_point deadline) {
    HttpClient http(BaseUrl(), std::chrono::seconds(5));
    HttpResult last;
    while (true) {
        if (!Running()) {
            Fail("exited with status " + std::to_string(exit_status_) + " before it was ready");
        }
        last = http.Get("/readyz");
        if (last.status == 200) {
            return;
        }
        if (Clock::now() >= deadline) {
            Fail("not ready in time; last /readyz: " + last.Describe());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

bool ServiceProcess::Reap(bool block) {
    if (pid_ <= 0) {
        return true;
    }
    int status = 0;
    pid_t got = 0;
    do {
        got = waitpid(pid_, &status, block ? 0 : WNOHANG);
    } while (got < 0 && errno == EINTR);
    if (got == 0) {
        return false;
    }
    exit_status_ = got == pid_ ? ShellStatus(status) : -1;
    pid_ = -1;
    std::error_code ignored;
    std::filesystem::remove(pid_record_, ignored);
    return true;
}

bool ServiceProcess::Running() { return !Reap(false); }

int ServiceProcess::Stop(std::chrono::milliseconds deadline) {
    if (pid_ <= 0) {
        return exit_status_;
    }
    ::kill(pid_, SIGTERM);
    const auto until = Clock::now() + deadline;
    while (!Reap(false)) {
        if (Clock::now() >= until) {
            ::kill(pid_, SIGKILL);
            Reap(true);
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return exit_status_;
}

void ServiceProcess::Kill() {
    if (pid_ <= 0) {
        return;
    }
    ::kill(pid_, SIGKILL);
    Reap(true);
}

std::string ServiceProcess::LogTail(std::size_t bytes) const {
    std::ifstream in(LogPath(), std::ios::binary);
    if (!in) {
        return "(no log)";
    }
    in.seekg(0, std::ios::end);
    const auto size = static_cast<std::size_t>(in.tellg());
    const std::size_t from = size > bytes ? size - bytes : 0;
    in.seekg(static_cast<std::streamoff>(from));
    std::string tail(size - from, '\0');
    in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
    return tail;
}

void ServiceProcess::Fail(const std::string& what) const {
    throw std::runtime_error("e2e: " + options_.name + " " + what + "\n----- " + LogPath().string() +
                             " (tail) -----\n" + LogTail());
}

}  // namespace cosmic::e2e
