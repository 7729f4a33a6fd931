#include "cosmic/testing/service_process.hpp"

#include <csignal>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::testing {

using Clock = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds Left(Clock::time_point deadline) {
    return std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()),
                    std::chrono::milliseconds(0));
}

}  // namespace

ServiceProcess::ServiceProcess(ServiceOptions options) : options_(std::move(options)) {
    if (options_.name.empty()) {
        throw std::invalid_argument("a service under test needs a name");
    }
    if (options_.binary.empty() || !std::filesystem::exists(options_.binary)) {
        throw std::runtime_error(options_.name + ": no binary at '" + options_.binary.string() + "' (not built?)");
    }
    if (options_.run_dir.empty()) {
        own_dir_.emplace(options_.name);
        run_dir_ = own_dir_->Path();
    } else {
        run_dir_ = options_.run_dir;
    }
    std::filesystem::create_directories(DataDir());
    if (!options_.tokens.empty()) {
        tokens_file_ = run_dir_ / (options_.name + ".tokens.json");
        WriteTokensFile(tokens_file_, options_.tokens);
    } else {
        tokens_file_ = options_.tokens_file;
    }
}

ServiceProcess::~ServiceProcess() { Kill(); }

std::filesystem::path ServiceProcess::DataDir() const { return run_dir_ / "data" / options_.name; }
std::filesystem::path ServiceProcess::LogPath() const { return run_dir_ / (options_.name + ".log"); }
std::filesystem::path ServiceProcess::PortFile() const { return run_dir_ / (options_.name + ".port"); }
std::string ServiceProcess::BaseUrl() const { return LocalUrl(port_); }

void ServiceProcess::Spawn() {
    if (Running()) {
        throw std::logic_error(options_.name + " is already running");
    }
    std::filesystem::remove(PortFile());
    port_ = 0;
    {
        std::ofstream marker(LogPath(), std::ios::app);
        marker << "===== test: starting " << options_.name << " =====\n";
    }
    ProcessOptions process;
    process.binary = options_.binary;
    process.args = options_.args;
    process.stdout_path = LogPath();
    process.env = {
        {"COSMIC_HTTP_PORT", "0"},
        {"COSMIC_HTTP_BIND", "127.0.0.1"},
        {"COSMIC_PORT_FILE", PortFile().string()},
        {"COSMIC_DATA_DIR", DataDir().string()},
        {"COSMIC_INSTANCE_ID", options_.name + "-test"},
    };
    if (!tokens_file_.empty()) {
        process.env["COSMIC_TOKENS_FILE"] = tokens_file_.string();
    }
    for (const auto& [name, value] : options_.env) {
        process.env[name] = value;
    }
    child_ = std::make_unique<ChildProcess>(std::move(process));
    if (!options_.pid_dir.empty()) {
        pid_record_ = options_.pid_dir / std::to_string(child_->Pid());
        std::filesystem::create_directories(options_.pid_dir);
        std::ofstream(pid_record_) << std::filesystem::canonical(options_.binary).string() << "\n";
    }
}

void ServiceProcess::Start(std::chrono::milliseconds ready_timeout) {
    const auto deadline = Clock::now() + ready_timeout;
    Spawn();
    WaitForPort(deadline);
    WaitReady(deadline);
}

void ServiceProcess::Launch(std::chrono::milliseconds port_timeout) {
    const auto deadline = Clock::now() + port_timeout;
    Spawn();
    WaitForPort(deadline);
}

void ServiceProcess::WaitForPort(Clock::time_point deadline) {
    bool exited = false;
    const bool written = WaitUntil(
        [&] {
            // The file may be caught half-written; a complete one holds a port and a newline.
            std::ifstream in(PortFile());
            std::string line;
            int port = 0;
            if (in && std::getline(in, line) && !in.eof()) {
                std::istringstream(line) >> port;
            }
            if (port > 0) {
                port_ = port;
                return true;
            }
            exited = !Running();
            return exited;
        },
        Left(deadline), std::chrono::milliseconds(20));
    if (exited) {
        Fail("exited with status " + std::to_string(child_->ExitStatus().value_or(-1)) +
             " before writing its port file");
    }
    if (!written) {
        Fail("wrote no port file in time");
    }
}

void ServiceProcess::WaitReady(Clock::time_point deadline) {
    HttpClient http(BaseUrl(), std::chrono::seconds(5));
    HttpResponse last;
    bool exited = false;
    const bool ready = WaitUntil(
        [&] {
            if (!Running()) {
                exited = true;
                return true;
            }
            last = http.Get(options_.ready_path);
            return last.status == 200;
        },
        Left(deadline));
    if (exited) {
        Fail("exited with status " + std::to_string(child_->ExitStatus().value_or(-1)) + " before it was ready");
    }
    if (!ready) {
        Fail("not ready in time; last " + options_.ready_path + ": " + last.Describe());
    }
}

bool ServiceProcess::Running() {
    if (child_ == nullptr) {
        return false;
    }
    const bool running = child_->Running();
    if (!running) {
        Forget();
    }
    return running;
}

int ServiceProcess::Stop(std::chrono::milliseconds deadline) {
    if (child_ == nullptr) {
        return -1;
    }
    const int status = child_->Stop(deadline);
    Forget();
    return status;
}

int ServiceProcess::Kill() {
    if (child_ == nullptr) {
        return -1;
    }
    const int status = child_->Kill();
    Forget();
    return status;
}

bool ServiceProcess::Pause() { return child_ != nullptr && child_->Signal(SIGSTOP); }

bool ServiceProcess::Resume() { return child_ != nullptr && child_->Signal(SIGCONT); }

int ServiceProcess::Pid() const { return child_ != nullptr ? static_cast<int>(child_->Pid()) : 0; }

void ServiceProcess::Forget() {
    if (!pid_record_.empty()) {
        std::error_code ignored;  // cleanup's own record; it removes leftovers itself
        std::filesystem::remove(pid_record_, ignored);
        pid_record_.clear();
    }
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
    throw std::runtime_error(options_.name + " " + what + "\n----- " + LogPath().string() + " (tail) -----\n" +
                             LogTail());
}

}  // namespace cosmic::testing
