#pragma once
// Helpers shared by the unit tests: sample events, tokens, a recording WebSocket endpoint.

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "cosmic/schema/event.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::metrics::testing {

inline schema::Event MetricsEvent(const std::string& job, const std::string& event_id, const std::string& user,
                                  double cpu = 10, double memory = 100, std::int64_t execution_ms = 1000) {
    schema::Event event;
    event.topic = schema::TopicId::kJobMetrics;
    event.event_type = "job.metrics";
    event.event_id = event_id;
    event.job_id = job;
    event.user_id = user;
    event.occurred_at_ms = 1'700'000'000'000;
    event.sample.cpu_percent = cpu;
    event.sample.memory_mb = memory;
    event.sample.io_read_mb = 1;
    event.sample.io_write_mb = 2;
    event.sample.execution_time_ms = execution_ms;
    return event;
}

inline service::Authenticator::Digest DigestOf(const std::string& token) {
    const std::string hex = service::Authenticator::HashHex(token);
    service::Authenticator::Digest digest{};
    for (std::size_t i = 0; i < digest.size(); ++i) {
        digest[i] = static_cast<unsigned char>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    return digest;
}

/// Tokens "alice-token" (user alice), "bob-token" (user bob), "admin-token" (admin root).
inline std::shared_ptr<const service::Authenticator> TestAuthenticator() {
    std::vector<service::Authenticator::Entry> entries;
    entries.push_back({DigestOf("alice-token"), service::Principal{"alice", {service::Role::kUser}}});
    entries.push_back({DigestOf("bob-token"), service::Principal{"bob", {service::Role::kUser}}});
    entries.push_back({DigestOf("admin-token"), service::Principal{"root", {service::Role::kAdmin}}});
    return std::make_shared<const service::Authenticator>(std::move(entries));
}

inline telemetry::HttpRequest RequestWithToken(const std::string& token) {
    telemetry::HttpRequest request;
    request.method = "GET";
    request.headers.emplace_back("Authorization", "Bearer " + token);
    return request;
}

/// Records every frame queued per connection; a connection in `full` refuses frames, as a
/// client with a full queue would.
class RecordingEndpoint final : public telemetry::WebSocketEndpoint {
  public:
    bool Send(ConnectionId id, std::string text) override {
        std::lock_guard lock(mutex_);
        if (full.count(id) > 0) return false;
        frames_[id].push_back(std::move(text));
        return true;
    }
    bool Close(ConnectionId) override { return true; }
    std::size_t ConnectionCount() const override { return 0; }

    std::vector<std::string> Take(ConnectionId id) {
        std::lock_guard lock(mutex_);
        std::vector<std::string> out;
        out.swap(frames_[id]);
        return out;
    }
    std::set<ConnectionId> full;

  private:
    std::mutex mutex_;
    std::map<ConnectionId, std::vector<std::string>> frames_;
};

}  // namespace cosmic::metrics::testing
