#include "cosmic/health_monitor/health_metrics.hpp"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <set>

namespace cosmic::health {
namespace {

prometheus::Family<prometheus::Gauge>& Family(prometheus::Registry& registry, const std::string& name,
                                              const std::string& help) {
    return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

/// Sets the gauges of `seen` keys (creating them) and removes the rest.
template <class Key, class Value>
void Sync(prometheus::Family<prometheus::Gauge>& family, std::map<Key, prometheus::Gauge*>& cache,
          const std::map<Key, std::pair<prometheus::Labels, Value>>& seen) {
    for (auto it = cache.begin(); it != cache.end();) {
        if (seen.count(it->first) == 0) {
            family.Remove(it->second);
            it = cache.erase(it);
        } else {
            ++it;
        }
    }
    for (const auto& [key, entry] : seen) {
        auto it = cache.find(key);
        if (it == cache.end()) it = cache.emplace(key, &family.Add(entry.first)).first;
        it->second->Set(static_cast<double>(entry.second));
    }
}

}  // namespace

HealthMetrics::HealthMetrics(prometheus::Registry& registry)
    : group_lag_(Family(registry, "cosmic_consumergroup_lag",
                        "Messages a monitored consumer group is behind on a partition (high watermark - committed).")),
      group_lag_seconds_(Family(registry, "cosmic_consumergroup_lag_seconds",
                                "Estimated seconds a monitored group is behind on a partition (kafka-lag-exporter's "
                                "interpolation); absent while unknown.")),
      group_status_(Family(registry, "cosmic_consumergroup_status",
                           "Burrow status of a monitored group: 0 NOTFOUND, 1 OK, 2 WARN, 3 ERR (STOP, STALL, "
                           "REWIND and unreadable offsets fold into ERR).")),
      component_up_(Family(registry, "cosmic_component_up",
                           "1 when at least one instance of the component sent a heartbeat within stale_after.")),
      component_instances_(
          Family(registry, "cosmic_component_instances", "Instances of a component by state (up, down).")),
      under_replicated_(Family(registry, "cosmic_partitions_under_replicated",
                               "Partitions of a table topic whose ISR is smaller than their replica set.")),
      offline_(Family(registry, "cosmic_partitions_offline",
                      "Partitions of a table topic without a leader, or whose leader cannot be reached.")),
      dlq_end_offset_(Family(registry, "cosmic_dlq_topic_end_offset",
                             "Sum of a .dlq topic's high watermarks: records ever dead-lettered to it.")),
      brokers_(
          Family(registry, "cosmic_cluster_brokers",
                 "Kafka brokers: expected, named in the metadata, and available (in the metadata and answering).")),
      alerts_(Family(registry, "cosmic_alerts_active",
                     "Alerts health-monitor has firing, by severity (the leader's; followers export 0).")),
      brokers_expected_(brokers_.Add({{"state", "expected"}})),
      brokers_metadata_(brokers_.Add({{"state", "metadata"}})),
      brokers_available_(brokers_.Add({{"state", "available"}})),
      alerts_warning_(alerts_.Add({{"severity", "warning"}})),
      alerts_critical_(alerts_.Add({{"severity", "critical"}})),
      leader_(Family(registry, "cosmic_health_monitor_leader",
                     "1 on the replica that delivers alerts (owns system-health partition 0 of its group).")
                  .Add({})) {}

void HealthMetrics::Update(const HealthSnapshot& snapshot, bool alerts_owned) {
    std::map<PartitionKey, std::pair<prometheus::Labels, std::int64_t>> lag;
    std::map<PartitionKey, std::pair<prometheus::Labels, double>> lag_seconds;
    std::map<std::string, std::pair<prometheus::Labels, int>> status;
    for (const GroupView& g : snapshot.groups) {
        status[g.group] = {{{"consumergroup", g.group}}, static_cast<int>(g.status)};
        if (!g.error.empty()) continue;  // unreadable: its last numbers are not current
        for (const PartitionView& p : g.partitions) {
            PartitionKey key{g.group, p.topic, p.partition};
            prometheus::Labels labels{
                {"consumergroup", g.group}, {"topic", p.topic}, {"partition", std::to_string(p.partition)}};
            lag[key] = {labels, p.lag};
            if (p.lag_seconds) lag_seconds[key] = {labels, *p.lag_seconds};
        }
    }
    Sync(group_lag_, lag_, lag);
    Sync(group_lag_seconds_, lag_seconds_, lag_seconds);
    Sync(group_status_, status_, status);

    std::set<std::string> services;
    for (const ServiceView& s : snapshot.services) {
        services.insert(s.service);
        auto it = components_.find(s.service);
        if (it == components_.end()) {
            ComponentGauges gauges{&component_up_.Add({{"component", s.service}}),
                                   &component_instances_.Add({{"component", s.service}, {"state", "up"}}),
                                   &component_instances_.Add({{"component", s.service}, {"state", "down"}})};
            it = components_.emplace(s.service, gauges).first;
        }
        it->second.up->Set(s.instances_up > 0 ? 1 : 0);
        it->second.instances_up->Set(s.instances_up);
        it->second.instances_down->Set(s.instances_total - s.instances_up);
    }
    for (auto it = components_.begin(); it != components_.end();) {
        if (services.count(it->first) != 0) {
            ++it;
            continue;
        }
        component_up_.Remove(it->second.up);
        component_instances_.Remove(it->second.instances_up);
        component_instances_.Remove(it->second.instances_down);
        it = components_.erase(it);
    }

    const ClusterView& c = snapshot.cluster;
    if (c.polls > 0) {
        brokers_expected_.Set(c.expected_brokers);
        brokers_metadata_.Set(c.brokers_in_metadata);
        brokers_available_.Set(c.brokers_available);
        std::map<std::string, std::pair<prometheus::Labels, std::int64_t>> dlq;
        for (const TopicHealth& t : c.topics) {
            auto it = topics_.find(t.topic);
            if (it == topics_.end()) {
                it = topics_
                         .emplace(t.topic, std::pair{&under_replicated_.Add({{"topic", t.topic}}),
                                                     &offline_.Add({{"topic", t.topic}})})
                         .first;
            }
            it->second.first->Set(t.under_replicated);
            it->second.second->Set(t.offline);
            if (t.dlq && t.end_offset) dlq[t.topic] = {{{"topic", t.topic}}, *t.end_offset};
        }
        Sync(dlq_end_offset_, dlq_, dlq);
    }

    std::size_t warning = 0;
    std::size_t critical = 0;
    for (const Alert& a : snapshot.firing) (a.severity == Severity::kCritical ? critical : warning) += 1;
    alerts_warning_.Set(alerts_owned ? static_cast<double>(warning) : 0.0);
    alerts_critical_.Set(alerts_owned ? static_cast<double>(critical) : 0.0);
    leader_.Set(alerts_owned ? 1 : 0);
}

}  // namespace cosmic::health
