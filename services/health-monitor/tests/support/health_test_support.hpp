#pragma once
// Test support for health-monitor's integration tests: a webhook receiver (the suite's own HTTP
// server on port 0), a tokens file, raw heartbeats, one in-process health-monitor (runtime + kit +
// service) started from an environment, and libs/testing's HTTP client and WaitUntil under the
// names these tests use.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/health_monitor/health_service.hpp"
#include "cosmic/service/config.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::telemetry {
class HttpServer;
}

namespace cosmic::health::testing {

using HttpResult = cosmic::testing::HttpResponse;

/// GET http://127.0.0.1:<port><target>, with a bearer token when given.
inline HttpResult HttpGet(int port, const std::string& target, const std::string& token = {}) {
    return cosmic::testing::HttpClient(port, std::chrono::seconds(10)).Get(target, token);
}

/// WaitUntil with the minute these tests give a loaded machine.
inline ::testing::AssertionResult WaitUntil(const std::function<bool()>& predicate,
                                            std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    return cosmic::testing::WaitUntil(predicate, timeout);
}

/// Collects POSTed bodies on /hook; the first `fail_first` requests get 503.
class WebhookReceiver {
  public:
    explicit WebhookReceiver(int fail_first = 0);
    ~WebhookReceiver();
    std::string Url() const;
    std::vector<std::string> Bodies() const;
    /// Bodies whose (first) alert has this alertname and status.
    std::vector<std::string> Matching(const std::string& alertname, const std::string& status) const;
    int Requests() const { return requests_.load(); }

  private:
    std::unique_ptr<telemetry::HttpServer> server_;
    std::atomic<int> fail_first_;
    std::atomic<int> requests_{0};
    mutable std::mutex mutex_;
    std::vector<std::string> bodies_;
};

/// A temporary directory removed with the object.
using TempDir = cosmic::testing::TempDir;

/// Writes a tokens file with "admin-token" (user admin, role admin); returns its path.
std::string WriteTokens(const std::filesystem::path& dir);
inline constexpr const char* kAdminToken = "admin-token";

/// A health.heartbeat envelope as raw JSON, as the kit writes it (every common field).
std::string RawHeartbeat(const std::string& service, const std::string& instance, const std::string& status = "HEALTHY",
                         std::uint64_t handled = 0, std::uint64_t failed = 0, std::uint64_t dead_lettered = 0);

/// health-monitor in-process, like RunMain builds it, running on its own thread.
class HealthInstance {
  public:
    /// Starts it and waits until HTTP serves; throws when it does not start within 60 s.
    explicit HealthInstance(const service::Environment& env);
    ~HealthInstance();
    /// Graceful stop (as SIGTERM); returns the exit code.
    int Stop();
    int Port() const { return port_; }
    HealthService& Service() { return *service_; }
    /// GET /api/v1/health parsed field: a path like "cluster.status" or "groups.0.status" as text.
    std::string HealthField(const std::string& path);

  private:
    std::unique_ptr<service::Runtime> runtime_;
    std::unique_ptr<service::Kit> kit_;
    std::unique_ptr<HealthService> service_;
    std::thread thread_;
    std::atomic<int> exit_code_{-1};
    bool stopped_ = false;
    int port_ = 0;
};

}  // namespace cosmic::health::testing
