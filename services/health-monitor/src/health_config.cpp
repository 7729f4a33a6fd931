#include "cosmic/health_monitor/health_config.hpp"

#include <algorithm>
#include <set>
#include <string_view>

#include "cosmic/schema/topics.hpp"

namespace cosmic::health {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kHour{3'600'000};
constexpr milliseconds kDay{24 * 3'600'000LL};

std::vector<std::string> Split(const std::string& text, char separator) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
        if (end == std::string::npos) break;
        start = end + 1;
    }
    return parts;
}

std::string Describe(const service::Config& config, std::string_view key) { return config.SourceOf(key); }

}  // namespace

std::vector<GroupTarget> DefaultGroupTargets() {
    return {
        {"job-orchestrator-group", {"job-commands"}},
        {"metrics-consumer-group", {"job-metrics"}},
        {"notifications-consumer-group", {"job-lifecycle"}},
        {"audit-trail-consumer-group", {"audit-trail"}},
        {kDefaultGroupId, {"system-health"}},
    };
}

std::optional<GroupTarget> ParseGroupTarget(const std::string& entry) {
    std::vector<std::string> parts = Split(entry, ':');
    if (parts.empty() || parts.front().empty()) return std::nullopt;
    GroupTarget target{parts.front(), {}};
    if (parts.size() == 1) {
        for (const GroupTarget& known : DefaultGroupTargets()) {
            if (known.group == target.group) return known;
        }
        return std::nullopt;
    }
    for (std::size_t i = 1; i < parts.size(); ++i) {
        if (parts[i].empty()) return std::nullopt;
        target.topics.push_back(parts[i]);
    }
    return target;
}

void DeclareHealthConfig(service::ConfigSchema& schema) {
    schema.SetDefault("http.port", kDefaultHttpPort);
    schema.SetDefault("consumer.group_id", std::string(kDefaultGroupId));

    std::vector<std::string> default_groups;
    for (const GroupTarget& target : DefaultGroupTargets()) default_groups.push_back(target.group);
    const std::vector<std::string> services = {"job-orchestrator", "metrics-consumer", "notification-consumer",
                                               "audit-consumer", "health-monitor"};

    schema.Duration("components.stale_after_ms", milliseconds(30'000), milliseconds(1'000), kDay,
                    "A component instance without a heartbeat for this long is DOWN.");
    schema.Duration("components.forget_after_ms", kHour, milliseconds(1'000), 30 * kDay,
                    "A DOWN instance is dropped after this when another instance of its service is up.");
    schema.StringList("components.expected", services,
                      "Services that must send heartbeats; one never heard of is DOWN (empty: none).");
    schema.Int("components.max_instances", 512, 1, 100'000,
               "Cap on tracked component instances; heartbeats of further instances are counted and ignored.");
    schema.Int("components.rate_window", 6, 2, 1'000,
               "Heartbeats per instance kept to compute the error ratio over (window = this x heartbeat interval).");
    schema.Int("components.error_ratio_min_events", 20, 1, 1'000'000'000,
               "Outcomes needed in the window before an error ratio is judged.");
    schema.Int("heartbeats.replay_records", 1000, 0, 10'000'000,
               "Records per system-health partition each replica re-reads at start to rebuild the registry.");

    schema.StringList("groups.monitored", default_groups,
                      "Consumer groups to evaluate: a suite group name, or group:topic[:topic...].",
                      "COSMIC_MONITORED_GROUPS");
    schema.Duration("groups.poll_interval_ms", milliseconds(30'000), milliseconds(10), kHour,
                    "How often committed offsets and watermarks of every monitored group are read.");
    schema.Duration("groups.read_timeout_ms", milliseconds(5'000), milliseconds(100), milliseconds(600'000),
                    "Budget for reading one group's offsets; a group that cannot be read is ERR. Keep it below "
                    "shutdown.deadline_ms: a stop waits for the read in progress.");

    schema.Enum("groups.offset_fetch", "consumer", {"consumer", "admin"},
                "How committed offsets are read: consumer (a short-lived consumer's OffsetFetch, never joining) or "
                "admin (ListConsumerGroupOffsets). librdkafka 2.0.2 aborts in its admin coordinator path "
                "(rd_kafka_enq_once_del_source_return) while a fresh cluster still loads its group coordinator.");
    schema.Int("groups.failed_reads_to_err", 2, 1, 1000,
               "Consecutive failed reads of a group's offsets before it is ERR (one keeps its last status).");
    schema.Int("lag.intervals", 10, 1, 10'000, "Burrow window size: polls kept per partition.");
    schema.Duration("lag.min_distance_ms", milliseconds(1'000), milliseconds(0), kHour,
                    "Burrow min-distance: commits closer than this overwrite the previous slot.");
    schema.Int("lag.allowed_lag", 0, 0, 1'000'000'000'000, "Burrow allowed-lag: lag at or below counts as caught up.");
    schema.Double("lag.minimum_complete", 1.0, 0.0, 1.0,
                  "Burrow minimum-complete: fraction of the window filled before the rules judge a partition.");
    schema.Duration("lag.expire_group_ms", 7 * kDay, milliseconds(1), 365 * kDay,
                    "Burrow expire-group: a group with no commit for this long is NOTFOUND.");
    schema.Int("lag.lookup_points", 60, 2, 100'000,
               "Points per partition in the lag-in-seconds lookup table (kafka-lag-exporter).");
    schema.Int("lag.max_messages", 10'000, 0, 1'000'000'000'000,
               "A group whose partition lag exceeds this many messages alerts (0 = off).");
    schema.Double("lag.max_seconds", 60.0, 0.0, 1e9,
                  "A group estimated more than this many seconds behind alerts (0 = off).");
    schema.Int("lag.sparkline_points", 30, 2, 1'000, "Lag samples per partition kept for the status page.");

    schema.Duration("cluster.poll_interval_ms", milliseconds(30'000), milliseconds(10), kHour,
                    "How often brokers, partitions and topics are checked.");
    schema.Int("cluster.expected_brokers", 3, 0, 10'000, "Brokers the cluster should have (0 = the most ever seen).");
    schema.Duration("cluster.probe_timeout_ms", milliseconds(3'000), milliseconds(10), milliseconds(120'000),
                    "Budget for one broker's reachability probe and the metadata request.");
    schema.Duration("dlq.window_ms", milliseconds(600'000), milliseconds(1), kDay,
                    "Window over which growth of a .dlq topic is measured.");
    schema.Int("dlq.growth_threshold", 0, 0, 1'000'000'000'000,
               "A .dlq topic that grows by more than this within dlq.window_ms alerts.");

    schema.Duration("alerts.evaluate_interval_ms", milliseconds(5'000), milliseconds(10), milliseconds(600'000),
                    "How often components are judged, alert rules run and the status page is pushed.");
    schema.Duration("alerts.fire_after_ms", milliseconds(0), milliseconds(0), kDay,
                    "A condition must hold this long before its alert fires.");
    schema.Duration("alerts.resolve_after_ms", milliseconds(60'000), milliseconds(0), kDay,
                    "A firing alert resolves after its condition stayed clear this long (anti-flapping).");
    schema.Double("alerts.hysteresis", 0.2, 0.0, 0.99,
                  "A firing threshold alert clears only below threshold x (1 - hysteresis).");
    schema.Double("alerts.error_ratio", 0.05, 0.0, 1e6,
                  "(failed + dead_lettered) / handled of a service above this alerts.");
    schema.Int("alerts.history", 500, 1, 1'000'000, "Resolved alerts kept for GET /api/v1/alerts?state=resolved.");
    schema.Int("alerts.max_active", 1000, 1, 1'000'000, "Cap on simultaneously firing alerts.");
    schema.StringList("alerts.notify_users", {"admin"},
                      "Users (admins) who get a notifications event for every fired and resolved alert.");
    schema.String("alerts.runbook_base_url", "https://github.com/cosmic-horizons/events/blob/main/",
                  "Prefix of runbook links (the same address the Prometheus rules' runbook_url use); empty = "
                  "repository paths.");
    schema.String("alerts.external_url", "", "externalURL and generatorURL base in webhook payloads.");
    schema.String("alerts.receiver", "health-monitor", "receiver field of webhook payloads.");
    schema.String("alerts.webhook_url", "", "Alertmanager-format webhook receiver (empty: no webhook).",
                  "COSMIC_ALERT_WEBHOOK_URL");
    schema.Int("ws.max_per_user", 8, 1, 64,
               "Open /ws/health connections per user; one user cannot take every WebSocket slot.");
    schema.Int("webhook.queue_max", 1000, 1, 1'000'000,
               "Webhook notifications waiting for delivery; beyond, the oldest is dropped.");
    schema.Duration("webhook.timeout_ms", milliseconds(5'000), milliseconds(10), milliseconds(300'000),
                    "One webhook POST's deadline.");
    schema.Int("webhook.max_attempts", 8, 1, 1'000, "Attempts per webhook notification (5xx, 429, network errors).");
    schema.Duration("webhook.backoff_base_ms", milliseconds(1'000), milliseconds(1), milliseconds(600'000),
                    "First retry delay; doubles up to webhook.backoff_max_ms.");
    schema.Duration("webhook.backoff_max_ms", milliseconds(60'000), milliseconds(1), kHour, "Longest retry delay.");
    schema.Bool("ha.enabled", true,
                "Only the replica owning system-health partition 0 in consumer.group_id delivers alerts; "
                "false makes this replica always deliver.");
}

HealthSettings LoadHealthSettings(const service::Config& config) {
    HealthSettings s;
    s.components.stale_after = config.GetDuration("components.stale_after_ms");
    s.components.forget_after = config.GetDuration("components.forget_after_ms");
    s.components.expected = config.GetStringList("components.expected");
    s.components.max_instances = static_cast<std::size_t>(config.GetInt("components.max_instances"));
    s.components.rate_window = static_cast<std::size_t>(config.GetInt("components.rate_window"));
    s.components.error_ratio_min_events =
        static_cast<std::uint64_t>(config.GetInt("components.error_ratio_min_events"));
    s.replay_records = config.GetInt("heartbeats.replay_records");

    std::set<std::string> seen_groups;
    for (const std::string& entry : config.GetStringList("groups.monitored")) {
        std::optional<GroupTarget> target = ParseGroupTarget(entry);
        if (!target) {
            throw service::ConfigError("groups.monitored", Describe(config, "groups.monitored"),
                                       "'" + entry + "' is not a suite group; write it as group:topic[:topic...]");
        }
        for (const std::string& topic : target->topics) {
            if (schema::FindTopic(topic) == nullptr && !schema::IsDlqTopic(topic)) {
                throw service::ConfigError(
                    "groups.monitored", Describe(config, "groups.monitored"),
                    "topic '" + topic + "' of group '" + target->group + "' is not in the topic table");
            }
        }
        if (!seen_groups.insert(target->group).second) {
            throw service::ConfigError("groups.monitored", Describe(config, "groups.monitored"),
                                       "group '" + target->group + "' is listed twice");
        }
        s.groups.push_back(std::move(*target));
    }
    s.groups_poll_interval = config.GetDuration("groups.poll_interval_ms");
    s.groups_read_timeout = config.GetDuration("groups.read_timeout_ms");
    s.groups_admin_api = config.GetString("groups.offset_fetch") == "admin";

    s.lag.window.intervals = static_cast<std::size_t>(config.GetInt("lag.intervals"));
    s.lag.window.min_distance_ms = config.GetDuration("lag.min_distance_ms").count();
    s.lag.window.allowed_lag = config.GetInt("lag.allowed_lag");
    s.lag.window.minimum_complete = config.GetDouble("lag.minimum_complete");
    s.lag.window.expire_group_ms = config.GetDuration("lag.expire_group_ms").count();
    s.lag.lookup_points = static_cast<std::size_t>(config.GetInt("lag.lookup_points"));
    if (const std::int64_t max = config.GetInt("lag.max_messages"); max > 0) s.lag.thresholds.messages = max;
    if (const double max = config.GetDouble("lag.max_seconds"); max > 0) s.lag.thresholds.seconds = max;
    s.lag.sparkline_points = static_cast<std::size_t>(config.GetInt("lag.sparkline_points"));
    s.lag.failed_reads_to_err = static_cast<int>(config.GetInt("groups.failed_reads_to_err"));

    s.cluster.poll_interval = config.GetDuration("cluster.poll_interval_ms");
    s.cluster.expected_brokers = static_cast<int>(config.GetInt("cluster.expected_brokers"));
    s.cluster.probe_timeout = config.GetDuration("cluster.probe_timeout_ms");
    s.cluster.dlq_window = config.GetDuration("dlq.window_ms");
    s.cluster.dlq_growth_threshold = config.GetInt("dlq.growth_threshold");

    s.alerts.evaluate_interval = config.GetDuration("alerts.evaluate_interval_ms");
    s.alerts.fire_after = config.GetDuration("alerts.fire_after_ms");
    s.alerts.resolve_after = config.GetDuration("alerts.resolve_after_ms");
    s.alerts.hysteresis = config.GetDouble("alerts.hysteresis");
    s.alerts.error_ratio = config.GetDouble("alerts.error_ratio");
    s.alerts.history = static_cast<std::size_t>(config.GetInt("alerts.history"));
    s.alerts.max_active = static_cast<std::size_t>(config.GetInt("alerts.max_active"));
    s.alerts.notify_users = config.GetStringList("alerts.notify_users");
    s.alerts.runbook_base_url = config.GetString("alerts.runbook_base_url");
    s.alerts.external_url = config.GetString("alerts.external_url");
    s.alerts.receiver = config.GetString("alerts.receiver");

    s.webhook.url = config.GetString("alerts.webhook_url");
    if (!s.webhook.url.empty() && !s.webhook.url.starts_with("http://") && !s.webhook.url.starts_with("https://")) {
        throw service::ConfigError("alerts.webhook_url", Describe(config, "alerts.webhook_url"),
                                   "must be an http:// or https:// URL");
    }
    s.webhook.queue_max = static_cast<std::size_t>(config.GetInt("webhook.queue_max"));
    s.webhook.timeout = config.GetDuration("webhook.timeout_ms");
    s.webhook.max_attempts = static_cast<int>(config.GetInt("webhook.max_attempts"));
    s.webhook.backoff_base = config.GetDuration("webhook.backoff_base_ms");
    s.webhook.backoff_max = config.GetDuration("webhook.backoff_max_ms");
    if (s.webhook.backoff_max < s.webhook.backoff_base) {
        throw service::ConfigError("webhook.backoff_max_ms", Describe(config, "webhook.backoff_max_ms"),
                                   "must not be below webhook.backoff_base_ms");
    }
    s.ha = config.GetBool("ha.enabled");
    s.leader_group = config.GetString("consumer.group_id");
    s.websocket_max_per_user = static_cast<std::size_t>(config.GetInt("ws.max_per_user"));
    return s;
}

}  // namespace cosmic::health
