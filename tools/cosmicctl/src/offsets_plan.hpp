#pragma once
// `offsets reset`: what to reset to, for which partitions, and the plan (pure, unit-tested).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "groups.hpp"

namespace cosmic::cosmicctl {

struct ResetTarget {
    enum class Kind { kEarliest, kLatest, kDatetime, kOffset };
    Kind kind = Kind::kEarliest;
    std::int64_t value = 0;  ///< ms since the epoch (kDatetime) or the offset (kOffset)
};

/// "earliest", "latest", "datetime=<RFC 3339>" or "offset=<N>"; UsageError otherwise.
ResetTarget ParseResetTarget(const std::string& text);

/// "--topic T" (every partition) or "--topic T:0,2" (those partitions).
struct TopicSelection {
    std::string topic;
    std::vector<std::int32_t> partitions;  ///< empty: all
};
TopicSelection ParseTopicSelection(const std::string& text);

/// A partition before the reset.
struct PartitionState {
    TopicPartition tp;
    std::int64_t committed = -1;  ///< -1: nothing committed
    std::int64_t low = 0;
    std::int64_t high = 0;
};

struct PlannedReset {
    TopicPartition tp;
    std::int64_t current = -1;
    std::int64_t target = 0;
    bool clamped = false;  ///< an explicit offset outside [low, high] moved to the nearest end
};

/// The new offset of every partition. `by_time` holds the offsets a datetime resolved to.
std::vector<PlannedReset> PlanReset(const std::vector<PartitionState>& partitions, const ResetTarget& target,
                                    const std::map<TopicPartition, std::int64_t>& by_time = {});

}  // namespace cosmic::cosmicctl
