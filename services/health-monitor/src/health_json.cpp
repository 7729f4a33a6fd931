#include "cosmic/health_monitor/health_json.hpp"

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::health {
namespace {

using schema::JsonWriter;

void Timestamp(JsonWriter& w, std::int64_t ms) {
    if (ms > 0) {
        w.String(schema::FormatTimestamp(ms));
    } else {
        w.Null();
    }
}

template <class T>
void Optional(JsonWriter& w, const std::optional<T>& value) {
    if (!value) {
        w.Null();
    } else if constexpr (std::is_floating_point_v<T>) {
        w.Double(*value);
    } else {
        w.Int(static_cast<std::int64_t>(*value));
    }
}

void WriteInstance(JsonWriter& w, const InstanceView& i) {
    w.BeginObject();
    w.Key("instance").String(i.instance);
    w.Key("status").String(ToString(i.status));
    w.Key("reported").String(ToString(i.reported));
    w.Key("version").String(i.version);
    w.Key("last_seen").String(schema::FormatTimestamp(i.last_seen_ms));
    w.Key("uptime_s").Int(i.uptime_s);
    w.Key("consumer_ready").Bool(i.consumer_ready);
    w.Key("consumer_lag");
    Optional(w, i.consumer_lag);
    w.Key("processed_per_second").Double(i.processed_per_second);
    w.Key("error_ratio");
    Optional(w, i.error_ratio);
    w.Key("handled").Uint(i.handled);
    w.Key("failed").Uint(i.failed);
    w.Key("dead_lettered").Uint(i.dead_lettered);
    w.Key("retried").Uint(i.retried);
    if (!i.role.empty()) w.Key("role").String(i.role);
    w.EndObject();
}

void WriteService(JsonWriter& w, const ServiceView& s) {
    w.BeginObject();
    w.Key("component").String(s.service);
    w.Key("status").String(ToString(s.status));
    w.Key("instances_up").Int(s.instances_up);
    w.Key("instances_total").Int(s.instances_total);
    w.Key("processed_per_second").Double(s.processed_per_second);
    w.Key("error_ratio");
    Optional(w, s.error_ratio);
    w.Key("consumer_lag");
    Optional(w, s.consumer_lag);
    w.Key("last_seen");
    Timestamp(w, s.last_seen_ms);
    w.Key("instances").BeginArray();
    for (const InstanceView& i : s.instances) WriteInstance(w, i);
    w.EndArray();
    w.EndObject();
}

void WriteGroup(JsonWriter& w, const GroupView& g) {
    w.BeginObject();
    w.Key("group").String(g.group);
    w.Key("status").String(kafka::ToString(g.status));
    w.Key("status_code").Int(static_cast<int>(g.status));
    w.Key("error");
    if (g.error.empty()) {
        w.Null();
    } else {
        w.String(g.error);
    }
    w.Key("topics").BeginArray();
    for (const std::string& topic : g.topics) w.String(topic);
    w.EndArray();
    w.Key("complete").Double(g.complete);
    w.Key("total_lag").Int(g.total_lag);
    w.Key("max_lag").Int(g.max_lag);
    w.Key("max_lag_seconds");
    Optional(w, g.max_lag_seconds);
    w.Key("last_poll");
    Timestamp(w, g.last_poll_ms);
    w.Key("polls").Uint(g.polls);
    w.Key("partitions").BeginArray();
    for (const PartitionView& p : g.partitions) {
        w.BeginObject();
        w.Key("topic").String(p.topic);
        w.Key("partition").Int(p.partition);
        w.Key("status").String(kafka::ToString(p.status));
        w.Key("committed").Int(p.committed);
        w.Key("high").Int(p.high);
        w.Key("lag").Int(p.lag);
        w.Key("lag_seconds");
        Optional(w, p.lag_seconds);
        w.Key("lag_history").BeginArray();
        for (const std::int64_t v : p.lag_history) w.Int(v);
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
}

void WriteCluster(JsonWriter& w, const ClusterView& c) {
    w.BeginObject();
    w.Key("status").String(c.status);
    w.Key("error");
    if (c.error.empty()) {
        w.Null();
    } else {
        w.String(c.error);
    }
    w.Key("expected_brokers").Int(c.expected_brokers);
    w.Key("brokers_in_metadata").Int(c.brokers_in_metadata);
    w.Key("brokers_available").Int(c.brokers_available);
    w.Key("brokers").BeginArray();
    for (const BrokerView& b : c.brokers) {
        w.BeginObject();
        w.Key("id").Int(b.id);
        w.Key("host").String(b.host);
        w.Key("port").Int(b.port);
        w.Key("reachable");
        if (b.reachable) {
            w.Bool(*b.reachable);
        } else {
            w.Null();
        }
        if (!b.error.empty()) w.Key("error").String(b.error);
        w.EndObject();
    }
    w.EndArray();
    w.Key("configs_known").Bool(c.configs_known);
    if (!c.configs_error.empty()) w.Key("configs_error").String(c.configs_error);
    w.Key("topics").BeginArray();
    for (const TopicHealth& t : c.topics) {
        w.BeginObject();
        w.Key("topic").String(t.topic);
        w.Key("dlq").Bool(t.dlq);
        w.Key("missing").Bool(t.missing);
        w.Key("partitions").Int(t.partitions);
        w.Key("replication").Int(t.replication);
        w.Key("under_replicated").Int(t.under_replicated);
        w.Key("offline").Int(t.offline);
        w.Key("leader_unreachable").Int(t.leader_unreachable);
        w.Key("end_offset");
        Optional(w, t.end_offset);
        if (t.dlq) {
            w.Key("growth");
            Optional(w, t.growth);
        }
        w.Key("drift").BeginArray();
        for (const std::string& line : t.drift) w.String(line);
        w.EndArray();
        w.EndObject();
    }
    w.EndArray();
    w.Key("last_poll");
    Timestamp(w, c.last_poll_ms);
    w.Key("polls").Uint(c.polls);
    w.EndObject();
}

}  // namespace

std::string OverallStatus(const HealthSnapshot& snapshot) {
    bool degraded = snapshot.cluster.status == "DEGRADED";
    for (const Alert& alert : snapshot.firing) {
        if (alert.severity == Severity::kCritical) return "UNHEALTHY";
        degraded = true;
    }
    for (const ServiceView& s : snapshot.services) degraded = degraded || s.status != ComponentStatus::kHealthy;
    return degraded ? "DEGRADED" : "HEALTHY";
}

void WriteAlert(JsonWriter& w, const Alert& a) {
    w.BeginObject();
    w.Key("id").String(a.id);
    w.Key("fingerprint").String(a.fingerprint);
    w.Key("alertname").String(a.name);
    w.Key("severity").String(ToString(a.severity));
    w.Key("state").String(ToString(a.state));
    w.Key("resource_id").String(a.resource_id);
    w.Key("labels").BeginObject();
    for (const auto& [key, value] : a.labels) w.Key(key).String(value);
    w.EndObject();
    w.Key("summary").String(a.summary);
    w.Key("description").String(a.description);
    w.Key("runbook_url").String(a.runbook_url);
    w.Key("value").Double(a.value);
    w.Key("started_at");
    Timestamp(w, a.started_at_ms);
    w.Key("resolved_at");
    Timestamp(w, a.resolved_at_ms);
    w.EndObject();
}

std::string HealthJson(const HealthSnapshot& snapshot) {
    std::string json;
    JsonWriter w(json);
    w.BeginObject();
    w.Key("generated_at").String(schema::FormatTimestamp(snapshot.generated_at_ms));
    w.Key("instance").String(snapshot.instance);
    w.Key("role").String(snapshot.leader ? "leader" : "follower");
    w.Key("leadership").BeginObject();
    w.Key("group").String(snapshot.leadership_group);
    w.Key("partitions").BeginArray();
    for (const std::int32_t p : snapshot.leadership_partitions) w.Int(p);
    w.EndArray();
    w.EndObject();
    w.Key("status").String(snapshot.status);
    w.Key("components").BeginArray();
    for (const ServiceView& s : snapshot.services) WriteService(w, s);
    w.EndArray();
    w.Key("groups").BeginArray();
    for (const GroupView& g : snapshot.groups) WriteGroup(w, g);
    w.EndArray();
    w.Key("cluster");
    WriteCluster(w, snapshot.cluster);
    w.Key("alerts").BeginArray();
    for (const Alert& a : snapshot.firing) WriteAlert(w, a);
    w.EndArray();
    w.EndObject();
    return json;
}

std::string AlertsJson(const std::string& state, const std::vector<Alert>& alerts) {
    std::string json;
    JsonWriter w(json);
    w.BeginObject();
    w.Key("state").String(state);
    w.Key("alerts").BeginArray();
    for (const Alert& a : alerts) WriteAlert(w, a);
    w.EndArray();
    w.EndObject();
    return json;
}

}  // namespace cosmic::health
