#include "cosmic/health_monitor/health_service.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

#include "cosmic/health_monitor/status_page.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/topics.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/service/auth.hpp"

namespace cosmic::health {
namespace {

using std::chrono::milliseconds;

constexpr std::size_t kMaxAlertLimit = 10'000;

RuleSettings MakeRules(const HealthSettings& s) {
    RuleSettings rules;
    rules.error_ratio = s.alerts.error_ratio;
    rules.hysteresis = s.alerts.hysteresis;
    rules.lag = s.lag.thresholds;
    rules.dlq_growth_threshold = s.cluster.dlq_growth_threshold;
    rules.runbook_base_url = s.alerts.runbook_base_url;
    rules.stale_after_ms = s.components.stale_after.count();
    return rules;
}

}  // namespace

void HealthService::DeclareConfig(service::ConfigSchema& schema) { DeclareHealthConfig(schema); }

HealthService::HealthService(service::Kit& kit)
    : kit_(kit),
      settings_(LoadHealthSettings(kit.GetConfig())),
      rules_(MakeRules(settings_)),
      // First, so a missing tokens file fails startup before any Kafka client exists.
      auth_(kit.Auth()),
      registry_(settings_.components),
      groups_(settings_.groups, settings_.lag),
      cluster_(settings_.cluster),
      engine_(settings_.alerts),
      metrics_(*kit.Registry()) {
    prometheus::Registry& registry = *kit.Registry();
    auto& heartbeats = prometheus::BuildCounter()
                           .Name("cosmic_health_heartbeats_total")
                           .Help(
                               "system-health events this replica used (accepted) or not (invalid metrics; "
                               "ignored: out of order, too old, or beyond components.max_instances).")
                           .Register(registry);
    heartbeats_accepted_ = &heartbeats.Add({{"result", "accepted"}});
    heartbeats_invalid_ = &heartbeats.Add({{"result", "invalid"}});
    heartbeats_ignored_ = &heartbeats.Add({{"result", "ignored"}});

    const kafka::ClientConfig& client = kit.GetConfig().Kafka();
    if (client.enabled) {
        group_source_ =
            std::make_unique<KafkaGroupLagSource>(client, settings_.groups_read_timeout, settings_.groups_admin_api);
        cluster_source_ = std::make_unique<ClusterProbe>(client, settings_.cluster.probe_timeout);
    }
    publisher_ = std::make_unique<AlertPublisher>(kit.Producer(), settings_.alerts.notify_users, registry);

    // Own components, started in this order after the producer, stopped in reverse.
    webhook_ = &kit.Emplace<WebhookSender>(settings_.webhook, registry);
    reader_ = &kit.Emplace<HeartbeatReader>(
        client, kit.ClientId(), settings_.replay_records, [this](const schema::Event& event) { OnHeartbeat(event); },
        registry);
    // Reported, never failing: the API and status page matter most while Kafka is in trouble.
    kit.Readiness("heartbeats", [this](std::string& detail) {
        if (!reader_->Ready(detail)) detail += " (the service works without it)";
        return true;
    });
    // Groups and the cluster on threads of their own: a read stuck on a dead broker must not hold
    // back the cluster view that explains it (nor the evaluation on the kit's timers).
    group_poller_ = &kit.Emplace<service::Timers>("health group poller");
    group_poller_->Post([this] { PollGroups(); });
    group_poller_->Every("groups", settings_.groups_poll_interval, [this] { PollGroups(); });
    cluster_poller_ = &kit.Emplace<service::Timers>("health cluster poller");
    cluster_poller_->Post([this] { PollCluster(); });
    cluster_poller_->Every("cluster", settings_.cluster.poll_interval, [this] { PollCluster(); });
    // Stops before the pollers (reverse order): a poll in progress ends after its current read.
    kit.Add("poll-cancel", nullptr, [this](std::chrono::steady_clock::time_point) { polling_stopped_ = true; });

    kit.Every("evaluate", settings_.alerts.evaluate_interval, [this] { Evaluate(); });
    kit.Heartbeat([this](const service::HeartbeatCommon&, schema::JsonWriter& w) { return HeartbeatFields(w); });

    // The leadership group: its member owning system-health/0 delivers. It consumes for real
    // (so the group's lag is honest and invalid records are dead-lettered once); heartbeats
    // themselves reach every replica through the reader above.
    // Eager "range": librdkafka 2.0.2 crashes closing a cooperative-sticky consumer that never got
    // its first assignment (fixed in 2.3.0, #4381), e.g. a replica stopped seconds after start.
    leadership_ = &kit.Consume(
        {std::string(schema::Spec(schema::TopicId::kSystemHealth).name)},
        service::ConsumeOptions{settings_.leader_group, service::ConsumerReadiness::kReported,
                                [](kafka::RunnerOptions& options) { options.assignment_strategy = "range"; }});
    leadership_->On("*", [](const schema::Event&, const kafka::Delivery&) { return kafka::Outcome::kOk; });

    auto published = std::make_shared<Published>();
    published->snapshot.instance = kit.InstanceId();
    published->snapshot.groups = groups_.Views();
    published->health_json = HealthJson(published->snapshot);
    published_ = std::move(published);

    telemetry::HttpServer& http = kit.Http();
    http.Route("GET", "/", [](const telemetry::HttpRequest&) {
        auto response = telemetry::HttpResponse::Text(200, std::string(StatusPageHtml()), "text/html; charset=utf-8");
        response.headers.emplace_back("Cache-Control", "no-cache");
        response.headers.emplace_back("Content-Security-Policy",
                                      "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                                      "connect-src 'self' ws: wss:");
        return response;
    });
    http.Route("GET", "/api/v1/health",
               service::RequireAuth(auth_, {}, [this](const telemetry::HttpRequest&, const service::Principal&) {
                   return GetHealth();
               }));
    http.Route(
        "GET", "/api/v1/alerts",
        service::RequireAuth(auth_, {}, [this](const telemetry::HttpRequest& request, const service::Principal&) {
            return GetAlerts(request);
        }));
    telemetry::WebSocketEndpoint::Callbacks callbacks;
    callbacks.on_open = [this](telemetry::WebSocketEndpoint::ConnectionId id, const telemetry::HttpRequest& request) {
        const auto principal = auth_->Authenticate(request, /*allow_query_token=*/true);
        if (!principal) return false;
        std::lock_guard lock(connections_mutex_);
        const auto own = std::count_if(connection_users_.begin(), connection_users_.end(),
                                       [&](const auto& entry) { return entry.second == principal->user_id; });
        if (static_cast<std::size_t>(own) >= settings_.websocket_max_per_user) return false;
        connections_.insert(id);
        connection_users_.emplace(id, principal->user_id);
        return true;
    };
    callbacks.on_message = [this](telemetry::WebSocketEndpoint::ConnectionId id, std::string_view) {
        // Any message asks for the current state (the page sends one once it is open).
        if (websocket_ != nullptr) websocket_->Send(id, Current()->health_json);
    };
    callbacks.on_close = [this](telemetry::WebSocketEndpoint::ConnectionId id) {
        std::lock_guard lock(connections_mutex_);
        connections_.erase(id);
        connection_users_.erase(id);
    };
    websocket_ = &http.AddWebSocket("/ws/health", std::move(callbacks));
}

HealthService::~HealthService() = default;

void HealthService::OnHeartbeat(const schema::Event& event) {
    std::string error;
    std::optional<HeartbeatData> heartbeat = heartbeat_parser_.Parse(event, error);
    if (!heartbeat) {
        heartbeats_invalid_->Increment();
        return;
    }
    const ComponentRegistry::Recorded result = registry_.Record(*heartbeat, kit_.NowMs());
    (result == ComponentRegistry::Recorded::kAccepted ? heartbeats_accepted_ : heartbeats_ignored_)->Increment();
}

void HealthService::PollGroups() {
    if (group_source_) groups_.Poll(*group_source_, kit_.NowMs(), [this] { return polling_stopped_.load(); });
}

void HealthService::PollCluster() {
    if (!cluster_source_ || polling_stopped_.load()) return;
    const ClusterObservation observation = cluster_source_->Observe();
    cluster_.Observe(observation, kit_.NowMs());
}

void HealthService::UpdateLeadership() {
    bool owns = !settings_.ha;
    if (settings_.ha && leadership_->Enabled()) {
        const std::string_view topic = schema::Spec(schema::TopicId::kSystemHealth).name;
        for (const kafka::TopicPartition& tp : leadership_->Assignment()) {
            if (tp.partition == 0 && tp.topic == topic) owns = true;
        }
    }
    if (!owns) {
        if (leader_.exchange(false))
            spdlog::info("health-monitor: no longer the leader; alerts are left to the new one");
        catchup_target_.reset();
        if (auto announced = registry_.LatestLeader()) engine_.AdoptNotified(announced->alerts_notified);
        return;
    }
    if (leader_.load()) return;
    if (kit_.GetConfig().Kafka().enabled) {
        // Read system-health to its current end first, so the previous leader's last
        // announcement is known before anything is sent.
        if (!catchup_target_) catchup_target_ = reader_->HighWatermarks(milliseconds(2000));
        if (!catchup_target_ || !reader_->Reached(*catchup_target_)) return;
    }
    std::size_t adopted = 0;
    if (auto announced = registry_.LatestLeader()) {
        engine_.AdoptNotified(announced->alerts_notified);
        adopted = announced->alerts_notified.size();
    }
    leader_ = true;
    catchup_target_.reset();
    spdlog::info("health-monitor: leading ({}); {} alert(s) already announced by the previous leader",
                 settings_.ha ? "owns " + std::string(schema::Spec(schema::TopicId::kSystemHealth).name) + "/0 of " +
                                    settings_.leader_group
                              : std::string("ha.enabled=false"),
                 adopted);
}

void HealthService::Deliver(const std::vector<AlertTransition>& transitions) {
    for (const AlertTransition& t : transitions) {
        spdlog::info("alert {} {}: {}", t.alert.id, t.firing ? "firing" : "resolved", t.alert.summary);
        webhook_->Enqueue(AlertmanagerPayload(t, settings_.alerts));
        publisher_->Publish(t);
    }
}

void HealthService::Announce() {
    std::vector<std::string> notified = engine_.Notified();
    {
        std::lock_guard lock(announce_mutex_);
        announced_ = notified;
    }
    schema::Event report = schema::NewEvent(schema::TopicId::kSystemHealth, "health.report", kit_.Service());
    report.component_id = kit_.InstanceId();
    report.status = schema::HealthStatus::kHealthy;
    std::string metrics;
    schema::JsonWriter w(metrics);
    w.BeginObject();
    w.Key("service").String(kit_.Service());
    w.Key("instance").String(kit_.InstanceId());
    w.Key("role").String("leader");
    w.Key("alerts_notified").BeginArray();
    for (const std::string& fingerprint : notified) w.String(fingerprint);
    w.EndArray();
    w.EndObject();
    report.metrics = std::move(metrics);
    if (const kafka::KafkaError error = kit_.Producer().Publish(report)) {
        spdlog::warn("health-monitor: announcement not queued: {} (the next heartbeat carries it)", error.ToString());
    }
}

void HealthService::Evaluate() {
    const std::int64_t now = kit_.NowMs();
    auto published = std::make_shared<Published>();
    HealthSnapshot& snapshot = published->snapshot;
    snapshot.generated_at_ms = now;
    snapshot.instance = kit_.InstanceId();
    snapshot.services = registry_.Evaluate(now);
    snapshot.groups = groups_.Views();
    snapshot.cluster = cluster_.View();

    const std::vector<AlertTransition> changes =
        engine_.Evaluate(EvaluateRules(snapshot.services, snapshot.groups, snapshot.cluster, rules_, now), now);
    UpdateLeadership();
    if (leader_.load()) {
        const std::vector<AlertTransition> sends = engine_.Reconcile(now);
        if (!sends.empty()) {
            Deliver(sends);
            Announce();
        } else {
            std::lock_guard lock(announce_mutex_);
            announced_ = engine_.Notified();
        }
    } else {
        for (const AlertTransition& t : changes) {
            spdlog::debug("alert {} {} (delivered by the leader)", t.alert.id, t.firing ? "firing" : "resolved");
        }
        std::lock_guard lock(announce_mutex_);
        announced_.clear();
    }

    snapshot.leader = leader_.load();
    snapshot.leadership_group = settings_.leader_group;
    for (const kafka::TopicPartition& tp : leadership_->Assignment())
        snapshot.leadership_partitions.push_back(tp.partition);
    std::sort(snapshot.leadership_partitions.begin(), snapshot.leadership_partitions.end());
    snapshot.firing = engine_.Firing();
    snapshot.status = OverallStatus(snapshot);
    published->resolved = engine_.Resolved(settings_.alerts.history);
    published->health_json = HealthJson(snapshot);
    metrics_.Update(snapshot, snapshot.leader);
    const std::string json = published->health_json;
    {
        std::lock_guard lock(published_mutex_);
        published_ = std::move(published);
    }
    evaluations_.fetch_add(1);
    Broadcast(json);
}

void HealthService::Broadcast(const std::string& json) {
    std::vector<telemetry::WebSocketEndpoint::ConnectionId> ids;
    {
        std::lock_guard lock(connections_mutex_);
        ids.assign(connections_.begin(), connections_.end());
    }
    for (const auto id : ids) websocket_->Send(id, json);
}

schema::HealthStatus HealthService::HeartbeatFields(schema::JsonWriter& w) {
    std::vector<std::string> announced;
    {
        std::lock_guard lock(announce_mutex_);
        announced = announced_;
    }
    const bool leader = leader_.load();
    w.Key("role").String(leader ? "leader" : "follower");
    if (leader) {
        w.Key("alerts_notified").BeginArray();
        for (const std::string& fingerprint : announced) w.String(fingerprint);
        w.EndArray();
    }
    w.Key("components_tracked").Uint(registry_.InstanceCount());
    w.Key("webhook_queue").Uint(webhook_->Pending());
    std::string detail;
    return reader_->Ready(detail) ? schema::HealthStatus::kHealthy : schema::HealthStatus::kDegraded;
}

std::shared_ptr<const HealthService::Published> HealthService::Current() const {
    std::lock_guard lock(published_mutex_);
    return published_;
}

telemetry::HttpResponse HealthService::GetHealth() const {
    return telemetry::HttpResponse::Json(200, Current()->health_json);
}

std::variant<AlertsQuery, telemetry::HttpResponse> ParseAlertsQuery(const telemetry::HttpRequest& request) {
    AlertsQuery query;
    query.state = request.Query("state").value_or("firing");
    if (query.state != "firing" && query.state != "resolved") {
        return telemetry::HttpResponse::Error(400, "bad_request", "state must be firing or resolved");
    }
    if (const auto text = request.Query("limit")) {
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), query.limit);
        if (ec != std::errc() || end != text->data() + text->size() || query.limit == 0 ||
            query.limit > kMaxAlertLimit) {
            return telemetry::HttpResponse::Error(
                400, "bad_request", "limit must be an integer from 1 to " + std::to_string(kMaxAlertLimit));
        }
    }
    return query;
}

telemetry::HttpResponse HealthService::GetAlerts(const telemetry::HttpRequest& request) const {
    auto parsed = ParseAlertsQuery(request);
    if (auto* error = std::get_if<telemetry::HttpResponse>(&parsed)) return std::move(*error);
    const AlertsQuery& query = std::get<AlertsQuery>(parsed);
    const auto current = Current();
    std::vector<Alert> alerts = query.state == "firing" ? current->snapshot.firing : current->resolved;
    if (alerts.size() > query.limit) alerts.resize(query.limit);
    return telemetry::HttpResponse::Json(200, AlertsJson(query.state, alerts));
}

}  // namespace cosmic::health
