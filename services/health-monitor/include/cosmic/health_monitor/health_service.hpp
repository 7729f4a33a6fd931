#pragma once
/// health-monitor (DESIGN.md §7, README.md): components from heartbeats, consumer groups judged
/// with Burrow's rules and lag in seconds, the cluster's brokers, partitions and topics, and
/// alerts delivered by webhook, to `notifications` and to `audit-trail`; an API, metrics and a
/// live status page.
///
/// Threads: the broadcast heartbeat reader feeds the registry; the poller (its own timers, since
/// a Kafka read may take its whole timeout) reads groups and the cluster; the kit's timers run
/// the evaluation, which alone owns the alert engine and leadership, and publishes one immutable
/// snapshot that HTTP and WebSocket readers share.
///
/// High availability: every replica reads every heartbeat and polls and evaluates everything (so
/// the API and the status page are right on whichever replica the Service picks); only the
/// leader delivers. The leader is the member owning partition 0 of system-health in
/// consumer.group_id; a new leader first reads system-health up to its end, adopts the set of
/// alerts the previous leader announced (its heartbeats and health.report events carry their
/// fingerprints) and then sends only the difference, so a handover sends each alert once.

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "cosmic/health_monitor/alert_delivery.hpp"
#include "cosmic/health_monitor/alert_engine.hpp"
#include "cosmic/health_monitor/alert_rules.hpp"
#include "cosmic/health_monitor/cluster_health.hpp"
#include "cosmic/health_monitor/cluster_probe.hpp"
#include "cosmic/health_monitor/component_registry.hpp"
#include "cosmic/health_monitor/group_monitor.hpp"
#include "cosmic/health_monitor/health_config.hpp"
#include "cosmic/health_monitor/health_json.hpp"
#include "cosmic/health_monitor/health_metrics.hpp"
#include "cosmic/health_monitor/heartbeat_reader.hpp"
#include "cosmic/service/kit.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace prometheus {
class Counter;
}

namespace cosmic::health {

/// GET /api/v1/alerts's query string: `state` firing (default) or resolved, `limit` 1-10000
/// (default 100).
struct AlertsQuery {
    std::string state = "firing";
    std::size_t limit = 100;
};

/// The query, or the 400 naming the bad parameter.
std::variant<AlertsQuery, telemetry::HttpResponse> ParseAlertsQuery(const telemetry::HttpRequest& request);

class HealthService {
  public:
    static void DeclareConfig(service::ConfigSchema& schema);
    explicit HealthService(service::Kit& kit);
    ~HealthService();
    HealthService(const HealthService&) = delete;
    HealthService& operator=(const HealthService&) = delete;

    /// True while this replica delivers alerts.
    bool Leader() const { return leader_.load(); }
    /// Evaluations run so far (tests wait on it instead of sleeping).
    std::uint64_t Evaluations() const { return evaluations_.load(); }

  private:
    struct Published {
        HealthSnapshot snapshot;
        std::string health_json;
        std::vector<Alert> resolved;
    };

    void OnHeartbeat(const schema::Event& event);
    void PollGroups();
    void PollCluster();
    void Evaluate();
    void UpdateLeadership();
    void Deliver(const std::vector<AlertTransition>& transitions);
    void Announce();
    schema::HealthStatus HeartbeatFields(schema::JsonWriter& w);
    std::shared_ptr<const Published> Current() const;

    telemetry::HttpResponse GetHealth() const;
    telemetry::HttpResponse GetAlerts(const telemetry::HttpRequest& request) const;
    void Broadcast(const std::string& json);

    service::Kit& kit_;
    HealthSettings settings_;
    RuleSettings rules_;
    std::shared_ptr<const service::Authenticator> auth_;

    ComponentRegistry registry_;
    HeartbeatParser heartbeat_parser_;  // reader thread only
    GroupMonitor groups_;
    ClusterMonitor cluster_;
    std::unique_ptr<GroupLagSource> group_source_;
    std::unique_ptr<ClusterSource> cluster_source_;
    AlertEngine engine_;  // evaluator thread only
    HealthMetrics metrics_;
    std::unique_ptr<AlertPublisher> publisher_;

    prometheus::Counter* heartbeats_accepted_;
    prometheus::Counter* heartbeats_invalid_;
    prometheus::Counter* heartbeats_ignored_;

    WebhookSender* webhook_ = nullptr;
    HeartbeatReader* reader_ = nullptr;
    service::Timers* group_poller_ = nullptr;
    service::Timers* cluster_poller_ = nullptr;
    kafka::Runner* leadership_ = nullptr;

    std::atomic<bool> polling_stopped_{false};
    std::atomic<bool> leader_{false};
    std::optional<std::vector<std::int64_t>> catchup_target_;  // evaluator thread only
    std::atomic<std::uint64_t> evaluations_{0};

    mutable std::mutex announce_mutex_;  // what the heartbeat thread reports
    std::vector<std::string> announced_;

    mutable std::mutex published_mutex_;
    std::shared_ptr<const Published> published_;

    telemetry::WebSocketEndpoint* websocket_ = nullptr;
    std::mutex connections_mutex_;
    std::set<telemetry::WebSocketEndpoint::ConnectionId> connections_;
    std::map<telemetry::WebSocketEndpoint::ConnectionId, std::string> connection_users_;  ///< same lock
};

}  // namespace cosmic::health
