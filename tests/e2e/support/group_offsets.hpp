#pragma once
/// A consumer group's committed offsets on one topic beside the topic's end offsets, read from
/// outside the group (OffsetFetch from a consumer that never joins, plus the watermarks): whether
/// the group has consumed everything, and where a restarted member starts.

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

namespace cosmic::e2e {

struct PartitionOffsets {
    std::int64_t committed = -1;  ///< -1: nothing committed (a member starts at auto.offset.reset)
    std::int64_t low = 0;         ///< first offset still on the partition
    std::int64_t high = 0;        ///< the end: offset of the next record
};

/// Partition -> offsets of `group` on `topic`. Throws std::runtime_error when the cluster does
/// not answer within `timeout`.
std::map<std::int32_t, PartitionOffsets> ReadGroupOffsets(const std::string& bootstrap, const std::string& group,
                                                          const std::string& topic,
                                                          std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Commits the end of every partition of `topic` for `group`, which must have no member: a fresh
/// group that starts where the topic ends now (what came before belongs to earlier tests) and,
/// unlike auto.offset.reset=latest, has a committed position from the start. Throws on failure.
void CommitGroupAtEnd(const std::string& bootstrap, const std::string& group, const std::string& topic,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10));

/// Records between the committed offsets and the end, summed over the partitions (a partition
/// without a commit counts from its first offset).
std::int64_t Unconsumed(const std::map<std::int32_t, PartitionOffsets>& offsets);

}  // namespace cosmic::e2e
