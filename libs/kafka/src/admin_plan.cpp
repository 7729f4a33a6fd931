// The topic table as desired state and the pure planner (no cluster access here).

#include <algorithm>
#include <string>

#include "cosmic/kafka/admin.hpp"
#include "cosmic/schema/topics.hpp"

namespace cosmic::kafka {
namespace {

DesiredTopic MakeTopic(std::string name, int partitions, int replication, std::chrono::milliseconds retention,
                       std::string_view compression, int min_insync) {
    DesiredTopic topic;
    topic.name = std::move(name);
    topic.partitions = partitions;
    topic.replication_factor = replication;
    topic.configs = {
        {"retention.ms", std::to_string(retention.count())},
        {"compression.type", std::string(compression)},
        {"cleanup.policy", "delete"},
        {"min.insync.replicas", std::to_string(min_insync)},
    };
    return topic;
}

TopicAction NewAction(TopicActionKind kind, const std::string& topic) {
    TopicAction action;
    action.kind = kind;
    action.topic = topic;
    return action;
}

const ObservedTopic* Find(const std::vector<ObservedTopic>& observed, const std::string& name) {
    auto it = std::find_if(observed.begin(), observed.end(), [&](const ObservedTopic& t) { return t.name == name; });
    return it == observed.end() ? nullptr : &*it;
}

}  // namespace

std::vector<DesiredTopic> TopicTable(const TopicTableOptions& options, int brokers) {
    if (brokers < 1) {
        throw std::invalid_argument("the cluster reports no brokers");
    }
    const int replication =
        options.replication_factor.value_or(std::min(schema::kProductionReplicationFactor, brokers));
    if (replication < 1 || replication > brokers) {
        throw std::invalid_argument("replication factor " + std::to_string(replication) + " needs 1.." +
                                    std::to_string(brokers) + " (brokers in the cluster)");
    }
    const int min_insync =
        options.min_insync_replicas.value_or(std::min(schema::kProductionMinInsyncReplicas, replication));
    if (min_insync < 1 || min_insync > replication) {
        throw std::invalid_argument("min.insync.replicas " + std::to_string(min_insync) + " needs 1.." +
                                    std::to_string(replication) + " (the replication factor)");
    }
    std::vector<DesiredTopic> table;
    for (const auto& spec : schema::AllTopics()) {
        table.push_back(MakeTopic(std::string(spec.name), spec.partitions, replication, spec.retention,
                                  spec.compression, min_insync));
        if (options.include_dlq) {
            table.push_back(MakeTopic(schema::DlqTopicName(spec.name), spec.partitions, replication,
                                      schema::kDlqRetention, spec.compression, min_insync));
        }
    }
    return table;
}

int ObservedTopic::ReplicationFactor() const noexcept {
    return partitions.empty() ? 0 : static_cast<int>(partitions.front().replicas.size());
}

bool TopicAction::Changes() const noexcept {
    return kind == TopicActionKind::kCreate || kind == TopicActionKind::kAddPartitions;
}

std::string TopicAction::Describe() const {
    switch (kind) {
        case TopicActionKind::kCreate: {
            std::string text = topic + ": create (" + std::to_string(spec.partitions) + " partitions, replication " +
                               std::to_string(spec.replication_factor);
            for (const auto& [name, value] : spec.configs) {
                text += ", " + name + "=" + value;
            }
            return text + ")";
        }
        case TopicActionKind::kAddPartitions:
            return topic + ": partitions " + std::to_string(partitions_from) + "\u2192" + std::to_string(partitions_to);
        case TopicActionKind::kPartitionsAbove:
            return topic + ": partitions " + std::to_string(partitions_from) +
                   " (table: " + std::to_string(partitions_to) + "; Kafka cannot remove partitions)";
        case TopicActionKind::kReplicationDrift:
            return topic + ": drift: replication " + observed + " (table: " + desired + ")";
        case TopicActionKind::kConfigDrift:
            return topic + ": drift: " + config + " " + observed + " (table: " + desired + ")";
        case TopicActionKind::kConfigsUnknown:
            return topic + ": configs not checked: " + observed;
    }
    return topic;
}

std::vector<TopicAction> PlanTopics(const std::vector<DesiredTopic>& desired,
                                    const std::vector<ObservedTopic>& observed) {
    std::vector<TopicAction> actions;
    for (const auto& want : desired) {
        const ObservedTopic* have = Find(observed, want.name);
        if (have == nullptr) {
            TopicAction create = NewAction(TopicActionKind::kCreate, want.name);
            create.partitions_to = want.partitions;
            create.spec = want;
            actions.push_back(std::move(create));
            continue;
        }
        const int partitions = static_cast<int>(have->partitions.size());
        if (partitions != want.partitions) {
            TopicAction action = NewAction(
                partitions < want.partitions ? TopicActionKind::kAddPartitions : TopicActionKind::kPartitionsAbove,
                want.name);
            action.partitions_from = partitions;
            action.partitions_to = want.partitions;
            actions.push_back(std::move(action));
        }
        if (have->ReplicationFactor() != want.replication_factor) {
            TopicAction drift = NewAction(TopicActionKind::kReplicationDrift, want.name);
            drift.observed = std::to_string(have->ReplicationFactor());
            drift.desired = std::to_string(want.replication_factor);
            actions.push_back(std::move(drift));
        }
        if (!have->configs_known) {
            TopicAction unknown = NewAction(TopicActionKind::kConfigsUnknown, want.name);
            unknown.observed = have->configs_error.empty() ? "no answer" : have->configs_error;
            actions.push_back(std::move(unknown));
            continue;
        }
        for (const auto& [name, value] : want.configs) {
            auto it = have->configs.find(name);
            const std::string current = it == have->configs.end() ? "(unset)" : it->second;
            if (current != value) {
                TopicAction drift = NewAction(TopicActionKind::kConfigDrift, want.name);
                drift.config = name;
                drift.observed = current;
                drift.desired = value;
                actions.push_back(std::move(drift));
            }
        }
    }
    return actions;
}

std::vector<TopicAction> ReplanExisting(std::vector<TopicAction> actions, const std::vector<DesiredTopic>& desired,
                                        const std::vector<ObservedTopic>& existing) {
    std::vector<TopicAction> out;
    out.reserve(actions.size());
    for (TopicAction& action : actions) {
        if (action.kind != TopicActionKind::kCreate || Find(existing, action.topic) == nullptr) {
            out.push_back(std::move(action));
            continue;
        }
        const auto want = std::find_if(desired.begin(), desired.end(),
                                       [&](const DesiredTopic& topic) { return topic.name == action.topic; });
        const std::vector<DesiredTopic> one{want != desired.end() ? *want : action.spec};
        for (TopicAction& replanned : PlanTopics(one, existing)) {
            out.push_back(std::move(replanned));
        }
    }
    return out;
}

}  // namespace cosmic::kafka
