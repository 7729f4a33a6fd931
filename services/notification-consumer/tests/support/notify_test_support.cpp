#include "notify_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <stdexcept>

#include "cosmic/notification_consumer/webhook_client.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "cosmic/testing/tokens.hpp"

namespace cosmic::notification::testing {

using cosmic::testing::ListenLoopback;

std::string WriteTokensFile(const std::filesystem::path& dir, const std::vector<TokenEntry>& tokens) {
    std::vector<cosmic::testing::TokenSpec> specs;
    for (const auto& entry : tokens) specs.push_back({entry.token, entry.user_id, {entry.role}});
    const auto path = dir / "tokens.json";
    cosmic::testing::WriteTokensFile(path, specs);
    return path.string();
}

std::string LifecycleJson(std::string_view event_id, std::string_view event_type, std::string_view job_id,
                          std::string_view user_id, std::string_view job_name) {
    schema::Event event = schema::NewEvent(schema::TopicId::kJobLifecycle, event_type, "job-orchestrator");
    event.event_id = event_id;
    event.job_id = job_id;
    event.user_id = user_id;
    event.correlation_id = "corr-" + std::string(job_id);
    std::string payload;
    schema::JsonWriter w(payload);
    w.BeginObject();
    w.Key("name").String(job_name);
    w.Key("kind").String("imaging");
    if (event_type == "job.completed") w.Key("execution_time_ms").Int(83'456);
    if (event_type == "job.failed") w.Key("error").String("out of memory").Key("error_code").String("OOM");
    if (event_type == "job.cancelled") w.Key("reason").String("user request");
    w.EndObject();
    event.payload = payload;
    return schema::Serialize(event);
}

void AddKafkaEnv(const std::map<std::string, std::string>& properties,
                 std::map<std::string, std::string, std::less<>>& env) {
    for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(properties)) env[name] = value;
}

int ClosedPort() {
    int port = 0;
    const int fd = ListenLoopback(0, port);
    ::close(fd);
    return port;
}

HttpResult Http(std::string_view method, int port, const std::string& target, const std::string& token,
                const std::string& body) {
    return cosmic::testing::HttpClient(port, std::chrono::seconds(10)).Call(method, target, body, token);
}

// --- webhook receiver -------------------------------------------------------------------------

WebhookReceiver::WebhookReceiver(std::map<std::string, std::string> secrets) : secrets_(std::move(secrets)) {
    telemetry::HttpServerOptions options;
    options.bind_address = "127.0.0.1";
    options.port = 0;
    options.threads = 8;
    server_ = std::make_unique<telemetry::HttpServer>(options, std::make_shared<prometheus::Registry>());
    server_->Route("POST", "/hooks/{user}", [this](const telemetry::HttpRequest& request) {
        Hook hook;
        hook.user_id = std::string(request.Param("user"));
        hook.body = request.body;
        hook.delivery_id = std::string(request.Header(kDeliveryHeader).value_or(""));
        const std::string timestamp(request.Header(kTimestampHeader).value_or(""));
        const std::string signature(request.Header(kSignatureHeader).value_or(""));
        if (!timestamp.empty()) hook.timestamp = std::stoll(timestamp);
        const auto secret = secrets_.find(hook.user_id);
        if (secret != secrets_.end()) {
            // What a receiver does: recompute over the raw body, compare in constant time.
            const std::string expected = WebhookSignature(secret->second, timestamp, request.body);
            hook.signature_valid = expected.size() == signature.size() &&
                                   CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
        }
        const int status = status_.load();
        {
            std::lock_guard lock(mutex_);
            hooks_.push_back(std::move(hook));
        }
        return telemetry::HttpResponse::Json(status, "{}");
    });
    server_->Start();
    port_ = server_->Port();
}

WebhookReceiver::~WebhookReceiver() { server_->Stop(); }

std::string WebhookReceiver::UrlFor(std::string_view user_id) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/hooks/" + std::string(user_id);
}

std::vector<WebhookReceiver::Hook> WebhookReceiver::Hooks() const {
    std::lock_guard lock(mutex_);
    return hooks_;
}

std::size_t WebhookReceiver::Count() const {
    std::lock_guard lock(mutex_);
    return hooks_.size();
}

}  // namespace cosmic::notification::testing
