#include "runner_lag.hpp"

#include <algorithm>
#include <string>
#include <utility>

namespace cosmic::kafka::runner_detail {

LagReporter::LagReporter(prometheus::Family<prometheus::Gauge>& family, const TopicTable& topics,
                         const PartitionTable& partitions)
    : family_(family), topics_(topics), partitions_(partitions) {}

void LagReporter::OnStats(std::string_view json) {
    auto parsed = ParseConsumerLag(json);
    if (!parsed) {
        return;
    }
    LagSnapshot snapshot;
    snapshot.known = true;
    for (ConsumerLag& entry : *parsed) {
        const auto topic = topics_.Index(entry.topic);
        if (!topic || !partitions_.Assigned({*topic, entry.partition})) {
            continue;  // librdkafka still reports partitions it knew before a revoke
        }
        family_.Add({{"topic", entry.topic}, {"partition", std::to_string(entry.partition)}})
            .Set(static_cast<double>(entry.lag));
        gauges_.emplace(*topic, entry.partition);
        snapshot.total += entry.lag;
        snapshot.partitions.push_back(std::move(entry));
    }
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
}

void LagReporter::Remove(PartitionKey key) {
    if (gauges_.erase(key) == 0) {
        return;
    }
    auto& gauge = family_.Add({{"topic", topics_[key.first].name}, {"partition", std::to_string(key.second)}});
    family_.Remove(&gauge);
}

void LagReporter::RemoveAll() {
    for (const PartitionKey& key : std::set(gauges_)) {
        Remove(key);
    }
}

void LagReporter::Retain(const std::vector<TopicPartition>& assignment) {
    std::lock_guard lock(mutex_);
    std::erase_if(snapshot_.partitions, [&](const ConsumerLag& entry) {
        return !std::binary_search(assignment.begin(), assignment.end(), TopicPartition{entry.topic, entry.partition});
    });
    snapshot_.total = 0;
    for (const auto& entry : snapshot_.partitions) {
        snapshot_.total += entry.lag;
    }
}

void LagReporter::Clear() {
    std::lock_guard lock(mutex_);
    snapshot_ = LagSnapshot{};
}

LagSnapshot LagReporter::Snapshot() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

}  // namespace cosmic::kafka::runner_detail
