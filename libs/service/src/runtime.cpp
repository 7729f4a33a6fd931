#include "cosmic/service/runtime.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "cosmic/service/version.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "signal_watcher.hpp"

namespace cosmic::service {
namespace {

using Clock = std::chrono::steady_clock;

/// How long past shutdown.deadline_ms a hung stop is tolerated before the process exits anyway.
constexpr auto kForceExitGrace = std::chrono::seconds(2);

const char* SignalName(int signal_number) {
    switch (signal_number) {
        case SIGTERM:
            return "SIGTERM";
        case SIGINT:
            return "SIGINT";
        default:
            return "a stop signal";
    }
}

std::int64_t MillisSince(Clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
}

/// Exits the process if shutdown runs past deadline + grace: a component stuck in Stop() must
/// not keep a pod in Terminating until the kubelet kills it.
class ShutdownWatchdog {
  public:
    explicit ShutdownWatchdog(Clock::time_point limit)
        : thread_([this, limit] {
              std::unique_lock lock(mutex_);
              if (!done_changed_.wait_until(lock, limit, [this] { return done_; })) {
                  spdlog::critical("shutdown still running {} ms past its deadline; exiting now",
                                   std::chrono::duration_cast<std::chrono::milliseconds>(kForceExitGrace).count());
                  spdlog::default_logger()->flush();
                  std::_Exit(kExitFailure);
              }
          }) {}
    ~ShutdownWatchdog() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        done_changed_.notify_all();
        thread_.join();
    }
    ShutdownWatchdog(const ShutdownWatchdog&) = delete;
    ShutdownWatchdog& operator=(const ShutdownWatchdog&) = delete;

  private:
    std::mutex mutex_;
    std::condition_variable done_changed_;
    bool done_ = false;
    std::thread thread_;  // last: started after the members it uses exist
};

}  // namespace

Runtime::Runtime(std::string service, Config config)
    : service_(std::move(service)),
      config_(std::move(config)),
      instance_id_(config_.GetString("service.instance_id")),
      registry_(std::make_shared<prometheus::Registry>()) {
    telemetry::HttpServerOptions options;
    options.bind_address = config_.GetString("http.bind");
    options.port = static_cast<int>(config_.GetInt("http.port"));
    options.threads = static_cast<int>(config_.GetInt("http.threads"));
    options.header_timeout = config_.GetDuration("http.header_timeout_ms");
    options.body_timeout = config_.GetDuration("http.body_timeout_ms");
    options.max_connections_per_client = static_cast<std::size_t>(config_.GetInt("http.max_connections_per_client"));
    http_ = std::make_unique<telemetry::HttpServer>(options, registry_);
    prometheus::BuildGauge()
        .Name("cosmic_build_info")
        .Help("Always 1; labels say which build of which service is running")
        .Register(*registry_)
        .Add({{"service", service_}, {"version", BuildVersion()}, {"commit", BuildCommit()}})
        .Set(1);
}

Runtime::~Runtime() {
    http_->Stop();
    // Owned components go in reverse order of addition, like the stop order.
    while (!owned_.empty()) {
        owned_.pop_back();
    }
}

std::shared_ptr<const Authenticator> Runtime::Auth() {
    if (!auth_) {
        const std::string path = config_.GetString("auth.tokens_file");
        if (path.empty()) {
            throw ConfigError("auth.tokens_file", config_.SourceOf("auth.tokens_file"),
                              service_ + " serves authenticated APIs: set COSMIC_TOKENS_FILE to a tokens file");
        }
        auth_ = std::make_shared<const Authenticator>(Authenticator::FromFile(path, "auth.tokens_file"));
        spdlog::info("loaded {} API tokens from {}", auth_->Size(), path);
    }
    return auth_;
}

Component& Runtime::Add(Component& component) {
    std::lock_guard lock(mutex_);
    if (ran_) {
        throw std::logic_error("Runtime::Add after Run()");
    }
    components_.push_back(&component);
    return component;
}

Component& Runtime::Add(std::unique_ptr<Component> component) {
    if (!component) {
        throw std::invalid_argument("Runtime::Add(nullptr)");
    }
    Component& ref = Add(*component);
    owned_.push_back(std::move(component));
    return ref;
}

void Runtime::RequestStop() {
    {
        std::lock_guard lock(mutex_);
        stop_requested_ = true;
    }
    changed_.notify_all();
}

void Runtime::Fail(const std::string& reason) {
    {
        std::lock_guard lock(mutex_);
        if (failure_.empty()) failure_ = reason;
        stop_requested_ = true;
    }
    spdlog::critical("{}: {}; stopping with exit code {} so the supervisor restarts it", service_, reason,
                     kExitFailure);
    changed_.notify_all();
}

bool Runtime::WaitUntilRunning(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    changed_.wait_until(lock, deadline, [this] { return running_ || finished_; });
    return running_;
}

int Runtime::HttpPort() const {
    std::lock_guard lock(mutex_);
    return http_port_;
}

void Runtime::OnSignal(int signal_number) {
    int received = 0;
    {
        std::lock_guard lock(mutex_);
        received = ++signals_received_;
    }
    if (received == 1) {
        spdlog::info("received {}, stopping (send it again to exit immediately)", SignalName(signal_number));
        RequestStop();
        return;
    }
    spdlog::critical("received {} again, exiting immediately", SignalName(signal_number));
    spdlog::default_logger()->flush();
    std::_Exit(128 + signal_number);
}

void Runtime::WaitForStopRequest() {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return stop_requested_; });
}

void Runtime::BeforeRun(std::function<void()> prepare) { before_run_.push_back(std::move(prepare)); }

int Runtime::Run() {
    {
        std::lock_guard lock(mutex_);
        if (ran_) {
            throw std::logic_error("Runtime::Run called twice");
        }
    }
    // Hooks may still add components; nothing else may from here on.
    for (const auto& prepare : before_run_) prepare();
    {
        std::lock_guard lock(mutex_);
        ran_ = true;
    }
    detail::SignalWatcher signals([this](int signal_number) { OnSignal(signal_number); });
    const auto started_at = Clock::now();

    std::size_t started = 0;
    for (Component* component : components_) {
        {
            std::lock_guard lock(mutex_);
            if (stop_requested_) break;
        }
        const auto start = Clock::now();
        spdlog::info("starting {}", component->Name());
        try {
            component->Start();
        } catch (const std::exception& error) {
            return FailStartup(started, std::string(component->Name()) + " failed to start: " + error.what());
        }
        ++started;
        spdlog::info("started {} in {} ms", component->Name(), MillisSince(start));
    }

    bool serving = false;
    {
        std::unique_lock lock(mutex_);
        serving = !stop_requested_;
    }
    if (serving) {
        try {
            http_->Start();
            WritePortFile(http_->Port());
        } catch (const std::exception& error) {
            http_->Stop();
            return FailStartup(started, std::string("HTTP server failed to start: ") + error.what());
        }
        {
            std::lock_guard lock(mutex_);
            http_port_ = http_->Port();
            running_ = true;
        }
        changed_.notify_all();
        spdlog::info("{} {} ready in {} ms; listening on http://{}:{}", service_, instance_id_, MillisSince(started_at),
                     config_.GetString("http.bind"), http_->Port());
        WaitForStopRequest();
    }

    const auto stop_started = Clock::now();
    const auto deadline = stop_started + config_.GetDuration("shutdown.deadline_ms");
    ShutdownWatchdog watchdog(deadline + kForceExitGrace);
    spdlog::info("stopping {} (deadline {} ms)", service_, config_.GetDuration("shutdown.deadline_ms").count());
    if (serving) {
        http_->Stop();
        RemovePortFile();
        spdlog::info("stopped http in {} ms", MillisSince(stop_started));
    }
    {
        std::lock_guard lock(mutex_);
        running_ = false;
    }
    const bool clean = StopComponents(started, deadline);
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    changed_.notify_all();
    spdlog::info("stopped {} in {} ms", service_, MillisSince(stop_started));
    std::lock_guard lock(mutex_);
    if (!failure_.empty()) {
        spdlog::error("{} stopped because {}", service_, failure_);
        return kExitFailure;
    }
    return clean ? kExitOk : kExitFailure;
}

int Runtime::FailStartup(std::size_t started, const std::string& what) {
    spdlog::error("{}; stopping the {} component(s) already started", what, started);
    std::cerr << service_ << ": " << what << '\n';
    StopComponents(started, Clock::now() + config_.GetDuration("shutdown.deadline_ms"));
    {
        std::lock_guard lock(mutex_);
        finished_ = true;
    }
    changed_.notify_all();
    return kExitFailure;
}

bool Runtime::StopComponents(std::size_t started, Clock::time_point deadline) {
    bool clean = true;
    for (std::size_t i = started; i-- > 0;) {
        Component* component = components_[i];
        const auto start = Clock::now();
        try {
            component->Stop(deadline);
        } catch (const std::exception& error) {
            clean = false;
            spdlog::error("{} failed to stop: {}", component->Name(), error.what());
            continue;
        }
        spdlog::info("stopped {} in {} ms", component->Name(), MillisSince(start));
        if (Clock::now() > deadline) {
            spdlog::warn("shutdown deadline passed while stopping {}", component->Name());
        }
    }
    return clean;
}

void Runtime::WritePortFile(int port) const {
    const std::string path = config_.GetString("http.port_file");
    if (path.empty()) {
        return;
    }
    // Write then rename so a launcher polling for the file never reads a partial port.
    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << port << '\n';
        out.close();
        if (!out) {
            throw std::runtime_error("cannot write http.port_file " + temporary);
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        throw std::runtime_error("cannot write http.port_file " + path + ": " + error.message());
    }
    spdlog::info("wrote port {} to {}", port, path);
}

void Runtime::RemovePortFile() const {
    const std::string path = config_.GetString("http.port_file");
    if (path.empty()) {
        return;
    }
    std::error_code error;
    std::filesystem::remove(path, error);
    if (error) {
        spdlog::warn("cannot remove {}: {}", path, error.message());
    }
}

}  // namespace cosmic::service
