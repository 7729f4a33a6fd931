#pragma once
// Runs a whole job-orchestrator (runtime, HTTP, store, relay, executor, consumer) in-process
// against the embedded cluster, the way main() would, and stops it like SIGTERM would.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>

#include "../unit/test_support.hpp"
#include "cosmic/job_orchestrator/orchestrator_service.hpp"
#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/service/kit.hpp"
#include "cosmic/service/runtime.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "cosmic/testing/tokens.hpp"

namespace cosmic::orchestrator::testing {

inline constexpr char kUserToken[] = "user-token";
inline constexpr char kAdminToken[] = "admin-token";

/// Environment for a service on `cluster` with its data in `dir`; `extra` overrides.
inline service::Environment ServiceEnv(const kafka::testing::EmbeddedCluster& cluster, const TempDir& dir,
                                       const service::Environment& extra = {}) {
    const std::string tokens = dir.File("tokens.json");
    cosmic::testing::WriteTokensFile(tokens, {{kUserToken, "u1", {"user"}}, {kAdminToken, "ops", {"admin"}}});
    service::Environment env = {{"COSMIC_HTTP_PORT", "0"},
                                {"COSMIC_HTTP_BIND", "127.0.0.1"},
                                {"COSMIC_DATA_DIR", dir.File("data")},
                                {"COSMIC_TOKENS_FILE", tokens},
                                {"COSMIC_INSTANCE_ID", "orch-test"},
                                {"COSMIC_LOG_LEVEL", "warn"},
                                {"COSMIC_STORE_SYNCHRONOUS", "normal"},
                                {"COSMIC_OUTBOX_POLL_INTERVAL_MS", "100"},
                                {"COSMIC_OUTBOX_STATS_INTERVAL_MS", "100"},
                                {"COSMIC_EXECUTOR_POLL_INTERVAL_MS", "50"},
                                {"COSMIC_EXECUTOR_METRICS_INTERVAL_MS", "50"},
                                {"COSMIC_EXECUTOR_DURATION_DISTRIBUTION", "uniform"},
                                {"COSMIC_EXECUTOR_DURATION_MIN_MS", "20"},
                                {"COSMIC_EXECUTOR_DURATION_MAX_MS", "120"},
                                {"COSMIC_EXECUTOR_CONCURRENCY", "8"},
                                {"COSMIC_EXECUTOR_FAILURE_RATE", "0.2"},
                                {"COSMIC_HEARTBEAT_INTERVAL_MS", "200"}};
    for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(cluster.ClientConfig().properties))
        env[name] = value;
    env["KAFKA_BOOTSTRAP_SERVERS"] = cluster.Bootstraps();
    for (const auto& [name, value] : extra) env[name] = value;
    return env;
}

/// One running service; stopped (and its exit code checked) on destruction.
class RunningService {
  public:
    explicit RunningService(const service::Environment& env) {
        host_ = std::make_unique<service::ServiceHost<OrchestratorService>>("job-orchestrator", env);
        runtime_ = &host_->GetRuntime();
        thread_ = std::thread([this] { exit_code_ = runtime_->Run(); });
        if (!runtime_->WaitUntilRunning(std::chrono::steady_clock::now() + std::chrono::seconds(60))) {
            ADD_FAILURE() << "service did not start";
        }
    }
    ~RunningService() { Stop(); }

    int Stop() {
        if (thread_.joinable()) {
            runtime_->RequestStop();
            thread_.join();
            EXPECT_EQ(exit_code_, service::kExitOk);
        }
        return exit_code_;
    }

    cosmic::testing::HttpResponse Call(const std::string& method, const std::string& path, const std::string& body = "",
                                       const std::string& token = kUserToken, std::vector<std::string> headers = {}) {
        return cosmic::testing::HttpClient(runtime_->HttpPort()).Call(method, path, body, token, std::move(headers));
    }

    OrchestratorService& Service() { return host_->Service(); }
    service::Runtime& Runtime() { return *runtime_; }

  private:
    std::unique_ptr<service::ServiceHost<OrchestratorService>> host_;
    service::Runtime* runtime_ = nullptr;
    std::thread thread_;
    int exit_code_ = -1;
};

}  // namespace cosmic::orchestrator::testing
