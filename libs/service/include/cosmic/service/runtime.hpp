#pragma once
/// The process runtime every service binary uses (DESIGN.md §8): config, metrics registry,
/// HTTP server, component start/stop order, signals and exit codes.
///
/// Lifecycle of Run(): components start in the order added; HTTP starts last so /readyz only
/// answers once everything is up; the bound port is logged and written to http.port_file;
/// then it waits for SIGTERM/SIGINT (or RequestStop()); HTTP stops first, then components in
/// reverse, all within shutdown.deadline_ms. A second signal exits at once.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/service/auth.hpp"
#include "cosmic/service/component.hpp"
#include "cosmic/service/config.hpp"

namespace prometheus {
class Registry;
}

namespace cosmic::telemetry {
class HttpServer;
}

namespace cosmic::service {

/// Process exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;      ///< startup failure, failed stop, or shutdown past its deadline
inline constexpr int kExitConfigError = 2;  ///< bad configuration or command line
/// A second SIGTERM/SIGINT exits with 128 + the signal number, like a shell reports a kill.

/// Blocks SIGTERM and SIGINT in the calling thread, so every thread created afterwards inherits
/// the mask and Run() receives them through its signalfd. Call first in main(); RunMain does.
void BlockStopSignals();

class Runtime {
  public:
    /// Builds the registry and the HTTP server from `config` (http.bind, http.port,
    /// http.threads). Nothing is started until Run().
    Runtime(std::string service, Config config);
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    std::string_view Service() const { return service_; }
    const std::string& InstanceId() const { return instance_id_; }
    const Config& GetConfig() const { return config_; }
    const kafka::ClientConfig& Kafka() const { return config_.Kafka(); }
    const std::shared_ptr<prometheus::Registry>& Registry() const { return registry_; }
    /// Register routes, readiness checks and WebSockets here before Run().
    telemetry::HttpServer& Http() { return *http_; }

    /// The tokens from auth.tokens_file, loaded on first use. Throws ConfigError naming
    /// auth.tokens_file when it is unset or the file is missing or invalid: services that
    /// call this require auth.
    std::shared_ptr<const Authenticator> Auth();

    /// Adds a component the caller owns (it must outlive Run()). Start order = add order.
    Component& Add(Component& component);
    /// Adds a component the runtime owns.
    Component& Add(std::unique_ptr<Component> component);
    template <class C, class... Args>
    C& Emplace(Args&&... args) {
        auto owned = std::make_unique<C>(std::forward<Args>(args)...);
        C& ref = *owned;
        Add(std::move(owned));
        return ref;
    }

    /// Runs `prepare` at the beginning of Run(), before any component starts (the service kit
    /// adds its components here, in its own order, whatever order a service declared them in).
    void BeforeRun(std::function<void()> prepare);

    /// Runs the lifecycle above and returns the process exit code: kExitOk after a clean stop,
    /// kExitFailure when a component or HTTP failed to start or a component failed to stop.
    /// Call once.
    int Run();

    /// Asks Run() to stop as if SIGTERM arrived. Thread-safe. Called before or during startup,
    /// Run() starts no further components, stops the started ones and returns kExitOk.
    void RequestStop();
    /// A part of the service cannot go on (e.g. a Kafka consumer's fatal error): logs `reason`,
    /// stops the service as RequestStop does and makes Run() return kExitFailure, so the
    /// supervisor (Kubernetes, systemd) restarts it instead of leaving a process that looks alive
    /// but consumes nothing. Thread-safe.
    void Fail(const std::string& reason);

    /// Waits until HTTP is serving (true) or Run() has finished or the deadline passed (false).
    bool WaitUntilRunning(std::chrono::steady_clock::time_point deadline);

    /// The bound HTTP port while running (0 before).
    int HttpPort() const;

  private:
    void OnSignal(int signal_number);
    void WaitForStopRequest();
    bool StopComponents(std::size_t started, std::chrono::steady_clock::time_point deadline);
    void WritePortFile(int port) const;
    void RemovePortFile() const;
    int FailStartup(std::size_t started, const std::string& what);

    std::string service_;
    Config config_;
    std::string instance_id_;
    std::shared_ptr<prometheus::Registry> registry_;
    std::unique_ptr<telemetry::HttpServer> http_;
    std::shared_ptr<const Authenticator> auth_;
    std::vector<Component*> components_;
    std::vector<std::unique_ptr<Component>> owned_;
    std::vector<std::function<void()>> before_run_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    bool stop_requested_ = false;
    std::string failure_;  ///< set by Fail(): Run() returns kExitFailure
    bool running_ = false;
    bool finished_ = false;
    bool ran_ = false;
    int http_port_ = 0;
    int signals_received_ = 0;
};

class Kit;

namespace detail {
using ServiceFactory = std::function<std::shared_ptr<void>(Kit&)>;
int RunMain(std::string_view service, int argc, char** argv, void (*declare_config)(ConfigSchema&),
            const ServiceFactory& make_service);
}  // namespace detail

/// The whole of a service's main(): handles --help, --version and --config, loads the config
/// (exit 2 with one line on stderr on error), starts logging, builds `S` and runs it.
/// `S` provides `static void DeclareConfig(ConfigSchema&)` (its own keys, its default HTTP port
/// and consumer group via SetDefault) and a constructor `S(Kit&)` that declares its parts to the
/// service kit (kit.hpp). An exception while building exits 1 with the message (2 for a
/// ConfigError).
template <class S>
int RunMain(std::string_view service, int argc, char** argv) {
    return detail::RunMain(service, argc, argv, &S::DeclareConfig,
                           [](Kit& kit) -> std::shared_ptr<void> { return std::make_shared<S>(kit); });
}

/// The text --help prints: usage, every key with its environment variable, type, default and
/// doc, the Kafka property mapping and the exit codes.
std::string HelpText(std::string_view service, const ConfigSchema& schema);

}  // namespace cosmic::service
