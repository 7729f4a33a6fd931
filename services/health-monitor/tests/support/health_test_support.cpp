#include "health_test_support.hpp"

#include <prometheus/registry.h>
#include <simdjson.h>

#include <stdexcept>

#include "cosmic/schema/event.hpp"
#include "cosmic/service/kit.hpp"
#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/tokens.hpp"

namespace cosmic::health::testing {
WebhookReceiver::WebhookReceiver(int fail_first)
    : server_(
          std::make_unique<telemetry::HttpServer>(telemetry::HttpServerOptions{.bind_address = "127.0.0.1", .port = 0},
                                                  std::make_shared<prometheus::Registry>())),
      fail_first_(fail_first) {
    server_->Route("POST", "/hook", [this](const telemetry::HttpRequest& request) {
        requests_.fetch_add(1);
        if (fail_first_.fetch_sub(1) > 0) return telemetry::HttpResponse::Error(503, "unavailable", "try later");
        std::lock_guard lock(mutex_);
        bodies_.push_back(request.body);
        return telemetry::HttpResponse::Json(200, "{}");
    });
    server_->Start();
}

WebhookReceiver::~WebhookReceiver() { server_->Stop(); }

std::string WebhookReceiver::Url() const { return "http://127.0.0.1:" + std::to_string(server_->Port()) + "/hook"; }

std::vector<std::string> WebhookReceiver::Bodies() const {
    std::lock_guard lock(mutex_);
    return bodies_;
}

std::vector<std::string> WebhookReceiver::Matching(const std::string& alertname, const std::string& status) const {
    std::vector<std::string> out;
    simdjson::dom::parser parser;
    for (const std::string& body : Bodies()) {
        simdjson::dom::element doc;
        if (parser.parse(body).get(doc) != simdjson::SUCCESS) continue;
        std::string_view name;
        std::string_view state;
        if (doc["alerts"].at(0)["labels"]["alertname"].get(name) != simdjson::SUCCESS) continue;
        if (doc["status"].get(state) != simdjson::SUCCESS) continue;
        if (name == alertname && state == status) out.push_back(body);
    }
    return out;
}

std::string WriteTokens(const std::filesystem::path& dir) {
    const std::string path = (dir / "tokens.json").string();
    cosmic::testing::WriteTokensFile(path, {{kAdminToken, "admin", {"admin"}}});
    return path;
}

std::string RawHeartbeat(const std::string& service, const std::string& instance, const std::string& status,
                         std::uint64_t handled, std::uint64_t failed, std::uint64_t dead_lettered) {
    const std::string now = schema::FormatTimestamp(schema::NowEpochMs());
    return R"({"event_id":")" + schema::NewUuid() + R"(","event_type":"health.heartbeat","schema_version":1,)" +
           R"("occurred_at":")" + now + R"(","source":")" + service + R"(","correlation_id":"c","user_id":"",)" +
           R"("component_id":")" + instance + R"(","status":")" + status + R"(","metrics":{"service":")" + service +
           R"(","instance":")" + instance + R"(","version":"9.9.9","uptime_s":5,"consumer_ready":true,)" +
           R"("consumer_lag":0,"handled":)" + std::to_string(handled) + R"(,"skipped":0,"invalid":0,"failed":)" +
           std::to_string(failed) + R"(,"retried":0,"dead_lettered":)" + std::to_string(dead_lettered) +
           R"(,"processed_per_second":1.5},"payload":{}})";
}

HealthInstance::HealthInstance(const service::Environment& env) {
    service::ConfigSchema schema;
    service::DeclareCommonKeys(schema);
    service::DeclareKitKeys(schema);
    HealthService::DeclareConfig(schema);
    runtime_ = std::make_unique<service::Runtime>("health-monitor", service::Config::Load(schema, "", env));
    kit_ = std::make_unique<service::Kit>(*runtime_);
    service_ = std::make_unique<HealthService>(*kit_);
    thread_ = std::thread([this] { exit_code_ = runtime_->Run(); });
    if (!runtime_->WaitUntilRunning(std::chrono::steady_clock::now() + std::chrono::seconds(60))) {
        Stop();
        throw std::runtime_error("health-monitor did not start");
    }
    port_ = runtime_->HttpPort();
}

HealthInstance::~HealthInstance() { Stop(); }

int HealthInstance::Stop() {
    if (!stopped_) {
        stopped_ = true;
        runtime_->RequestStop();
        if (thread_.joinable()) thread_.join();
    }
    return exit_code_.load();
}

std::string HealthInstance::HealthField(const std::string& path) {
    const HttpResult result = HttpGet(port_, "/api/v1/health", kAdminToken);
    if (result.status != 200) return {};
    simdjson::dom::parser parser;
    simdjson::dom::element node;
    if (parser.parse(result.body).get(node) != simdjson::SUCCESS) return {};
    std::string_view rest = path;
    while (!rest.empty()) {
        const std::size_t dot = rest.find('.');
        const std::string_view part = rest.substr(0, dot);
        rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
        simdjson::dom::element next;
        if (!part.empty() && std::isdigit(static_cast<unsigned char>(part[0]))) {
            if (node.at(static_cast<std::size_t>(std::stoul(std::string(part)))).get(next) != simdjson::SUCCESS)
                return {};
        } else if (node[part].get(next) != simdjson::SUCCESS) {
            return {};
        }
        node = next;
    }
    if (node.is_string()) return std::string(std::string_view(node));
    return simdjson::minify(node);
}

}  // namespace cosmic::health::testing
