#pragma once
// Test peers for notification-consumer: an SMTP sink (a small in-process SMTP server), a webhook
// receiver that checks signatures, job-lifecycle events as JSON, and the names these tests use
// for libs/testing's HTTP and WebSocket clients, WaitUntil, temporary directory and files.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/sinks.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/wait.hpp"
#include "cosmic/testing/websocket_client.hpp"

namespace cosmic::notification::testing {

using cosmic::testing::WaitUntil;
using cosmic::testing::WriteFile;
using ScratchDir = cosmic::testing::TempDir;
using WsClient = cosmic::testing::WebSocketClient;
using HttpResult = cosmic::testing::HttpResponse;

struct TokenEntry {
    std::string token;
    std::string user_id;
    std::string role = "user";
};
/// Writes a tokens file (sha256 of each token) and returns its path.
std::string WriteTokensFile(const std::filesystem::path& dir, const std::vector<TokenEntry>& tokens);

/// A job-lifecycle event as JSON. Terminal payloads carry name/kind plus the type's fields.
std::string LifecycleJson(std::string_view event_id, std::string_view event_type, std::string_view job_id,
                          std::string_view user_id, std::string_view job_name = "nightly-build");

/// KAFKA_<PROP> environment entries for librdkafka properties ("fetch.wait.max.ms" ->
/// KAFKA_FETCH_WAIT_MAX_MS), added to `env`.
void AddKafkaEnv(const std::map<std::string, std::string>& properties,
                 std::map<std::string, std::string, std::less<>>& env);

/// A free TCP port on 127.0.0.1 with nothing listening on it (for "server down").
int ClosedPort();

/// `method` http://127.0.0.1:<port><target> with an optional bearer token and JSON body.
HttpResult Http(std::string_view method, int port, const std::string& target, const std::string& token = {},
                const std::string& body = {});

/// The SMTP server mails are delivered to (libs/testing).
using SmtpSink = cosmic::testing::SmtpSink;

/// An HTTP server on port 0 that takes webhook POSTs at /hooks/<user_id>, checks the signature
/// against the user's secret and keeps what arrived.
class WebhookReceiver {
  public:
    struct Hook {
        std::string user_id;
        std::string delivery_id;
        std::string body;
        bool signature_valid = false;
        std::int64_t timestamp = 0;
    };
    explicit WebhookReceiver(std::map<std::string, std::string> secrets);
    ~WebhookReceiver();

    int Port() const { return port_; }
    std::string UrlFor(std::string_view user_id) const;
    /// Status answered from now on (200 by default).
    void SetStatus(int status) { status_.store(status); }
    std::vector<Hook> Hooks() const;
    std::size_t Count() const;

  private:
    std::map<std::string, std::string> secrets_;
    std::unique_ptr<telemetry::HttpServer> server_;
    int port_ = 0;
    std::atomic<int> status_{200};
    mutable std::mutex mutex_;
    std::vector<Hook> hooks_;
};

}  // namespace cosmic::notification::testing
