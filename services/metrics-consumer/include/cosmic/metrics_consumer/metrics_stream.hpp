#pragma once
/// The /ws/metrics WebSocket: clients subscribe to one job or to all ("*"); a flusher thread
/// pushes each changed job at most once per throttle interval per connection. Consumption
/// never waits for it: the consumer only marks jobs as changed (and only while someone is
/// subscribed), and sends are non-blocking (a client whose queue fills is dropped by the
/// server).
///
/// Protocol (text frames, JSON):
///   client -> {"subscribe":"job-123"} | {"subscribe":"*"} | {"unsubscribe":"job-123"} | {"unsubscribe":"*"}
///   server -> {"type":"subscribed","subscribe":"job-123"} | {"type":"unsubscribed","unsubscribe":...}
///             {"type":"job_metrics","job":{...as GET /api/v1/metrics/jobs/{id}...}}
///             {"type":"updates_skipped","count":N}  (more changed jobs than max_updates_per_flush)
///             {"type":"error","error":{"code":"bad_request","message":...}}
/// Authentication: bearer token in the Authorization header, or `?token=` / `?access_token=`
/// (browsers cannot set WebSocket headers). Users see only jobs whose latest sample carried
/// their user_id; admins see all.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "cosmic/metrics_consumer/hash.hpp"
#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace prometheus {
class Counter;
}

namespace cosmic::metrics {

struct StreamOptions {
    std::chrono::milliseconds throttle{1000};  ///< flush interval = per-job update interval
    std::size_t max_subscriptions = 1000;      ///< job subscriptions per connection
    std::size_t max_updates_per_flush = 200;   ///< job updates per connection per flush
    std::size_t max_per_user = 8;              ///< open connections per authenticated user
};

/// Prometheus counters bumped as things happen; any may be null.
struct StreamMetrics {
    prometheus::Counter* updates_sent = nullptr;
    prometheus::Counter* updates_skipped = nullptr;
    prometheus::Counter* send_failures = nullptr;
};

class MetricsStream {
  public:
    using ConnectionId = telemetry::WebSocketEndpoint::ConnectionId;

    /// `authenticator` null accepts every client as an admin (a service run without a tokens
    /// file is already open to anyone on its port).
    MetricsStream(JobAggregator& aggregator, std::shared_ptr<const service::Authenticator> authenticator,
                  StreamOptions options, StreamMetrics metrics = {});
    MetricsStream(const MetricsStream&) = delete;
    MetricsStream& operator=(const MetricsStream&) = delete;

    /// The endpoint callbacks; pass them to HttpServer::AddWebSocket, then Attach the result.
    telemetry::WebSocketEndpoint::Callbacks Callbacks();
    void Attach(telemetry::WebSocketEndpoint& endpoint);

    /// One flush; the service runs it every options.throttle on its timers (an interval measured
    /// from each flush's start, so two updates of one job to one connection are never closer).
    /// Returns the updates queued.
    std::size_t FlushOnce();

    std::size_t Connections() const;
    /// Job subscriptions plus wildcard subscriptions over all connections.
    std::size_t Subscriptions() const;

  private:
    struct Client {
        std::string user_id;
        bool admin = false;
        bool all = false;
        std::unordered_set<std::string, StringHash, std::equal_to<>> jobs;
    };

    bool OnOpen(ConnectionId id, const telemetry::HttpRequest& request);
    void OnMessage(ConnectionId id, std::string_view text);
    void OnClose(ConnectionId id);
    /// Applies one command; returns the reply frame.
    std::string Apply(Client& client, std::string_view text);
    bool Visible(const Client& client, std::string_view job_user) const;
    bool WantedLocked(std::string_view job_id, std::string_view job_user) const;
    void Subscribe(Client& client, std::string_view target);
    void Unsubscribe(Client& client, std::string_view target);
    void UpdateTrackingLocked();
    void Send(ConnectionId id, std::string text);
    void Run();

    JobAggregator& aggregator_;
    std::shared_ptr<const service::Authenticator> authenticator_;
    StreamOptions options_;
    StreamMetrics metrics_;
    std::atomic<telemetry::WebSocketEndpoint*> endpoint_{nullptr};

    mutable std::mutex mutex_;  // lock order: mutex_ before any aggregator shard lock
    std::unordered_map<ConnectionId, Client> clients_;
    std::size_t admin_wildcards_ = 0;
    std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> user_wildcards_;
    std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> job_subscribers_;
    std::size_t job_subscriptions_ = 0;
};

}  // namespace cosmic::metrics
