#include "cosmic/health_monitor/alert_rules.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace cosmic::health {
namespace {

constexpr const char* kRunbook = "docs/runbook.md#";

AlertCondition Make(const RuleSettings& settings, std::string name, Severity severity, std::string label,
                    std::string subject, std::string anchor_doc, std::string anchor) {
    AlertCondition c;
    c.name = std::move(name);
    c.severity = severity;
    if (!label.empty()) c.labels[label] = subject;
    c.resource_id = std::move(subject);
    c.runbook_url = settings.runbook_base_url + anchor_doc + anchor;
    return c;
}

/// Reports a threshold subject: active above `limit`, in the band down to limit * (1 - h).
bool Threshold(double value, double limit, double hysteresis, bool& active) {
    if (value > limit) {
        active = true;
        return true;
    }
    active = false;
    return value > limit * (1.0 - hysteresis);
}

std::string Seconds(double seconds) { return fmt::format("{:.0f} s", std::max(0.0, seconds)); }

void ComponentRules(const std::vector<ServiceView>& services, const RuleSettings& s, std::int64_t now_ms,
                    std::vector<AlertCondition>& out) {
    for (const ServiceView& service : services) {
        if (service.status == ComponentStatus::kDown) {
            AlertCondition c = Make(s, "HealthComponentDown", Severity::kCritical, "component", service.service,
                                    kRunbook, "healthcomponentdown");
            if (service.instances_total == 0) {
                c.summary = service.service + " has never sent a heartbeat";
                c.value = 0;
            } else {
                c.value = static_cast<double>(now_ms - service.last_seen_ms) / 1000.0;
                c.summary = fmt::format("{}: no heartbeat from any of its {} instance(s) for {}", service.service,
                                        service.instances_total, Seconds(c.value));
            }
            c.description = fmt::format(
                "No instance of {} sent a heartbeat to system-health within {}. Its "
                "consumers are not draining their topics.",
                service.service, Seconds(static_cast<double>(s.stale_after_ms) / 1000.0));
            out.push_back(std::move(c));
            continue;
        }
        if (service.status == ComponentStatus::kUnhealthy) {
            AlertCondition c = Make(s, "HealthComponentUnhealthy", Severity::kWarning, "component", service.service,
                                    kRunbook, "healthcomponentunhealthy");
            std::string which;
            for (const InstanceView& i : service.instances) {
                if (i.status == ComponentStatus::kUnhealthy) which += (which.empty() ? "" : ", ") + i.instance;
            }
            c.summary = service.service + " reports UNHEALTHY (" + which + ")";
            c.description = "The service's own heartbeat says it is unhealthy; its log and /readyz say why.";
            out.push_back(std::move(c));
        }
        if (service.error_ratio) {
            bool active = false;
            if (Threshold(*service.error_ratio, s.error_ratio, s.hysteresis, active)) {
                AlertCondition c = Make(s, "HealthComponentErrorRatioHigh", Severity::kWarning, "component",
                                        service.service, kRunbook, "cosmichandlererrorratiohigh");
                c.active = active;
                c.value = *service.error_ratio;
                c.summary = fmt::format("{}: {:.1f}% of handled records failed or were dead-lettered", service.service,
                                        100.0 * *service.error_ratio);
                c.description = fmt::format(
                    "(failed + dead_lettered) / handled over the last {} outcomes is above "
                    "{:.1f}%.",
                    service.window_events, 100.0 * s.error_ratio);
                out.push_back(std::move(c));
            }
        }
    }
}

std::string WorstPartitions(const GroupView& group) {
    std::string text;
    int shown = 0;
    for (const PartitionView& p : group.partitions) {
        if (p.status == kafka::LagStatus::kOk || p.status == kafka::LagStatus::kNotFound) continue;
        if (shown++ == 3) {
            text += ", ...";
            break;
        }
        text += fmt::format("{}{}/{} {} (lag {})", text.empty() ? "" : ", ", p.topic, p.partition,
                            kafka::ToString(p.status), p.lag);
    }
    return text;
}

void GroupRules(const std::vector<GroupView>& groups, const RuleSettings& s, std::vector<AlertCondition>& out) {
    for (const GroupView& group : groups) {
        if (group.polls == 0) continue;
        if (group.status == kafka::LagStatus::kWarn) {
            AlertCondition c = Make(s, "HealthConsumerGroupWarning", Severity::kWarning, "consumergroup", group.group,
                                    kRunbook, "cosmicconsumergroupwarning");
            c.value = static_cast<double>(group.status);
            c.summary = fmt::format("{} is falling behind (WARN, total lag {})", group.group, group.total_lag);
            c.description = "Burrow's rules: the group commits but its lag never decreased over the window. " +
                            WorstPartitions(group);
            out.push_back(std::move(c));
        } else if (group.status >= kafka::LagStatus::kErr) {
            AlertCondition c = Make(s, "HealthConsumerGroupFailing", Severity::kCritical, "consumergroup", group.group,
                                    kRunbook, "cosmicconsumergroupfailing");
            c.value = static_cast<double>(group.status);
            if (!group.error.empty()) {
                c.summary = group.group + ": offsets cannot be read";
                c.description = group.error;
            } else {
                c.summary = fmt::format("{} is stopped or stalled (ERR, total lag {})", group.group, group.total_lag);
                c.description = WorstPartitions(group);
            }
            out.push_back(std::move(c));
        }
        if (!group.error.empty()) continue;  // stale numbers: no threshold judgement on them
        bool active = false;
        if (s.lag.messages &&
            Threshold(static_cast<double>(group.max_lag), static_cast<double>(*s.lag.messages), s.hysteresis, active)) {
            AlertCondition c = Make(s, "HealthConsumerGroupLagHigh", Severity::kWarning, "consumergroup", group.group,
                                    kRunbook, "cosmicconsumerlaghigh");
            c.active = active;
            c.value = static_cast<double>(group.max_lag);
            c.summary = fmt::format("{} is {} messages behind on a partition", group.group, group.max_lag);
            c.description = fmt::format("A partition's lag exceeds lag.max_messages ({}).", *s.lag.messages);
            out.push_back(std::move(c));
        }
        if (s.lag.seconds && group.max_lag_seconds &&
            Threshold(*group.max_lag_seconds, *s.lag.seconds, s.hysteresis, active)) {
            AlertCondition c = Make(s, "HealthConsumerGroupLagSecondsHigh", Severity::kWarning, "consumergroup",
                                    group.group, kRunbook, "cosmicconsumergrouplagsecondshigh");
            c.active = active;
            c.value = *group.max_lag_seconds;
            c.summary = fmt::format("{} is about {} behind", group.group, Seconds(*group.max_lag_seconds));
            c.description = fmt::format(
                "Estimated lag in seconds (kafka-lag-exporter's interpolation) exceeds "
                "lag.max_seconds ({}).",
                Seconds(*s.lag.seconds));
            out.push_back(std::move(c));
        }
    }
}

void ClusterRules(const ClusterView& cluster, const RuleSettings& s, std::vector<AlertCondition>& out) {
    if (cluster.polls == 0) return;
    if (!cluster.metadata_ok) {
        AlertCondition c =
            Make(s, "HealthClusterUnreachable", Severity::kCritical, "", "kafka", kRunbook, "healthclusterunreachable");
        c.summary = "Kafka cluster metadata cannot be read";
        c.description = cluster.error;
        out.push_back(std::move(c));
        return;
    }
    if (cluster.brokers_available < cluster.expected_brokers) {
        AlertCondition c =
            Make(s, "HealthBrokerMissing", Severity::kCritical, "", "kafka", kRunbook, "healthbrokermissing");
        c.value = static_cast<double>(cluster.expected_brokers - cluster.brokers_available);
        std::string which;
        for (const BrokerView& b : cluster.brokers) {
            if (b.reachable.value_or(true)) continue;
            which += fmt::format("{}broker {} unreachable ({})", which.empty() ? "" : "; ", b.id, b.error);
        }
        int unreachable_leaders = 0;
        for (const TopicHealth& t : cluster.topics) unreachable_leaders += t.leader_unreachable;
        c.summary = fmt::format("Kafka cluster {}: {} of {} brokers available", cluster.status,
                                cluster.brokers_available, cluster.expected_brokers);
        c.description = fmt::format("{} broker(s) in the metadata; {} partition(s) led by unreachable brokers. {}",
                                    cluster.brokers_in_metadata, unreachable_leaders, which);
        out.push_back(std::move(c));
    }
    for (const TopicHealth& topic : cluster.topics) {
        if (topic.missing) {
            AlertCondition c = Make(s, "HealthTopicMissing", Severity::kCritical, "topic", topic.topic, kRunbook,
                                    "healthtopicmissing");
            c.summary = topic.topic + " does not exist";
            c.description = "A topic of the topic table is missing: run `cosmicctl topics apply`.";
            out.push_back(std::move(c));
            continue;
        }
        if (topic.offline > 0) {
            AlertCondition c = Make(s, "HealthPartitionsOffline", Severity::kCritical, "topic", topic.topic, kRunbook,
                                    "healthpartitionsoffline");
            c.value = topic.offline;
            c.summary = fmt::format("{}: {} of {} partitions have no reachable leader", topic.topic, topic.offline,
                                    topic.partitions);
            c.description = "Producers and consumers of these partitions are blocked.";
            out.push_back(std::move(c));
        }
        if (topic.under_replicated > 0) {
            AlertCondition c = Make(s, "HealthPartitionsUnderReplicated", Severity::kWarning, "topic", topic.topic,
                                    kRunbook, "healthpartitionsunderreplicated");
            c.value = topic.under_replicated;
            c.summary = fmt::format("{}: {} of {} partitions are under-replicated", topic.topic, topic.under_replicated,
                                    topic.partitions);
            c.description =
                "ISR smaller than the replica set: one more broker failure may block writes "
                "(min.insync.replicas).";
            out.push_back(std::move(c));
        }
        if (!topic.drift.empty()) {
            AlertCondition c =
                Make(s, "HealthTopicDrift", Severity::kWarning, "topic", topic.topic, kRunbook, "healthtopicdrift");
            c.value = static_cast<double>(topic.drift.size());
            c.summary = topic.topic + " differs from the topic table";
            for (const std::string& line : topic.drift) c.description += (c.description.empty() ? "" : "; ") + line;
            out.push_back(std::move(c));
        }
        if (topic.dlq && topic.growth && *topic.growth > s.dlq_growth_threshold) {
            AlertCondition c = Make(s, "HealthDeadLettersGrowing", Severity::kWarning, "topic", topic.topic, kRunbook,
                                    "cosmicdeadlettersgrowing--cosmicdeadletterburst");
            c.value = static_cast<double>(*topic.growth);
            c.summary = fmt::format("{} grew by {} records", topic.topic, *topic.growth);
            c.description = fmt::format(
                "Inspect with `cosmicctl dlq list {}` and redrive with `cosmicctl dlq "
                "replay` once the cause is fixed.",
                topic.topic);
            out.push_back(std::move(c));
        }
    }
}

}  // namespace

const std::vector<std::string>& AlertNames() {
    static const std::vector<std::string> names = {"HealthComponentDown",
                                                   "HealthComponentUnhealthy",
                                                   "HealthComponentErrorRatioHigh",
                                                   "HealthConsumerGroupWarning",
                                                   "HealthConsumerGroupFailing",
                                                   "HealthConsumerGroupLagHigh",
                                                   "HealthConsumerGroupLagSecondsHigh",
                                                   "HealthClusterUnreachable",
                                                   "HealthBrokerMissing",
                                                   "HealthPartitionsOffline",
                                                   "HealthPartitionsUnderReplicated",
                                                   "HealthTopicMissing",
                                                   "HealthTopicDrift",
                                                   "HealthDeadLettersGrowing"};
    return names;
}

std::vector<AlertCondition> EvaluateRules(const std::vector<ServiceView>& services,
                                          const std::vector<GroupView>& groups, const ClusterView& cluster,
                                          const RuleSettings& settings, std::int64_t now_ms) {
    std::vector<AlertCondition> out;
    ComponentRules(services, settings, now_ms, out);
    GroupRules(groups, settings, out);
    ClusterRules(cluster, settings, out);
    return out;
}

}  // namespace cosmic::health
