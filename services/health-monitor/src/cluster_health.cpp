#include "cosmic/health_monitor/cluster_health.hpp"

#include <algorithm>
#include <exception>
#include <set>

#include "cosmic/schema/topics.hpp"

namespace cosmic::health {
namespace {

/// Samples kept per `.dlq` topic: enough for the window at the poll interval, plus the one that
/// anchors the window's start; capped whatever the settings.
std::size_t DlqCap(const ClusterSettings& settings) {
    const auto polls = settings.dlq_window.count() / std::max<std::int64_t>(1, settings.poll_interval.count());
    return static_cast<std::size_t>(std::clamp<std::int64_t>(polls + 2, 2, 10'000));
}

bool IsTableTopic(const std::string& name) {
    return schema::FindTopic(name) != nullptr ||
           (schema::IsDlqTopic(name) && schema::FindTopic(schema::DlqSourceTopic(name)) != nullptr);
}

}  // namespace

ClusterMonitor::ClusterMonitor(ClusterSettings settings) : settings_(std::move(settings)) {}

std::optional<std::int64_t> ClusterMonitor::TrackDlq(const std::string& topic, std::int64_t end_offset,
                                                     std::int64_t now_ms) {
    std::deque<DlqSample>& samples = dlq_samples_[topic];
    if (!samples.empty() && end_offset < samples.back().end_offset) samples.clear();  // topic recreated
    samples.push_back({now_ms, end_offset});
    // Keep the newest sample at or before the window's start as its anchor.
    const std::int64_t start = now_ms - settings_.dlq_window.count();
    while (samples.size() > 2 && samples[1].at_ms <= start) samples.pop_front();
    while (samples.size() > DlqCap(settings_)) samples.pop_front();
    if (samples.size() < 2) return std::nullopt;
    return samples.back().end_offset - samples.front().end_offset;
}

void ClusterMonitor::Observe(const ClusterObservation& observation, std::int64_t now_ms) {
    ClusterView view;
    view.polls = ++polls_;
    view.last_poll_ms = now_ms;
    view.metadata_ok = observation.metadata_ok;
    view.error = observation.error;
    view.brokers = observation.brokers;
    view.brokers_in_metadata = static_cast<int>(observation.brokers.size());
    most_brokers_seen_ = std::max(most_brokers_seen_, view.brokers_in_metadata);
    view.expected_brokers = settings_.expected_brokers > 0 ? settings_.expected_brokers : most_brokers_seen_;
    std::set<std::int32_t> available;
    for (const BrokerView& broker : observation.brokers) {
        if (broker.reachable.value_or(true)) available.insert(broker.id);
    }
    view.brokers_available = observation.metadata_ok ? static_cast<int>(available.size()) : 0;

    if (!observation.metadata_ok) {
        view.status = "UNHEALTHY";
        // Keep the last known topics (marked by the error) rather than calling them all missing.
        std::lock_guard lock(mutex_);
        view.topics = view_.topics;
        view_ = std::move(view);
        return;
    }

    // The table as this cluster should have it; an impossible expectation is reported, not thrown.
    std::vector<kafka::DesiredTopic> desired;
    try {
        desired = kafka::TopicTable({}, std::max(1, view.expected_brokers));
    } catch (const std::exception& error) {
        view.configs_error = error.what();
    }
    std::map<std::string, TopicHealth> topics;
    for (const kafka::DesiredTopic& want : desired) {
        TopicHealth& health = topics[want.name];
        health.topic = want.name;
        health.dlq = schema::IsDlqTopic(want.name);
    }
    view.configs_known = !observation.topics.empty();
    for (const kafka::ObservedTopic& observed : observation.topics) {
        if (!IsTableTopic(observed.name)) continue;
        TopicHealth& health = topics[observed.name];
        health.topic = observed.name;
        health.dlq = schema::IsDlqTopic(observed.name);
        health.partitions = static_cast<int>(observed.partitions.size());
        health.replication = observed.ReplicationFactor();
        if (!observed.configs_known) {
            view.configs_known = false;
            if (view.configs_error.empty()) view.configs_error = observed.configs_error;
        }
        for (const kafka::PartitionState& p : observed.partitions) {
            if (p.isr.size() < p.replicas.size()) ++health.under_replicated;
            if (p.leader < 0) {
                ++health.offline;
            } else if (available.count(p.leader) == 0) {
                ++health.leader_unreachable;
            }
        }
        if (auto end = observation.end_offsets.find(observed.name); end != observation.end_offsets.end()) {
            health.end_offset = end->second;
            if (health.dlq) health.growth = TrackDlq(observed.name, end->second, now_ms);
        }
    }
    for (const kafka::TopicAction& action : kafka::PlanTopics(desired, observation.topics)) {
        TopicHealth& health = topics[action.topic];
        switch (action.kind) {
            case kafka::TopicActionKind::kCreate:
                health.missing = true;
                break;
            case kafka::TopicActionKind::kConfigsUnknown:
                break;  // reported once as configs_error, not as drift
            default:
                health.drift.push_back(action.Describe());
                break;
        }
    }

    bool unhealthy = view.brokers_available == 0;
    bool degraded = view.brokers_available < view.expected_brokers;
    for (auto& [name, health] : topics) {
        unhealthy = unhealthy || health.missing || health.offline > 0;
        degraded = degraded || health.under_replicated > 0 || health.leader_unreachable > 0 || !health.drift.empty();
        view.topics.push_back(std::move(health));
    }
    view.status = unhealthy ? "UNHEALTHY" : (degraded ? "DEGRADED" : "OK");
    std::lock_guard lock(mutex_);
    view_ = std::move(view);
}

ClusterView ClusterMonitor::View() const {
    std::lock_guard lock(mutex_);
    return view_;
}

}  // namespace cosmic::health
