#pragma once
// Consumer groups as the broker's group coordinator reports them (ListGroups + DescribeGroups
// through librdkafka's rd_kafka_list_groups), and committing offsets on behalf of a group that
// has no members (`offsets reset`).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::cosmicctl {

struct TopicPartition {
    std::string topic;
    std::int32_t partition = 0;
    bool operator==(const TopicPartition&) const = default;
    bool operator<(const TopicPartition& other) const {
        return std::tie(topic, partition) < std::tie(other.topic, other.partition);
    }
};

struct GroupMember {
    std::string member_id;
    std::string client_id;
    std::string client_host;
    std::vector<TopicPartition> assignment;  ///< sorted
};

struct GroupInfo {
    std::string group;
    std::string state;          ///< Stable, PreparingRebalance, CompletingRebalance, Empty, Dead
    std::string protocol_type;  ///< "consumer" for Kafka consumers
    std::string protocol;       ///< the assignor, e.g. cooperative-sticky
    std::vector<GroupMember> members;
};

/// The partitions of a ConsumerProtocol Assignment (the bytes a DescribeGroups member carries):
/// int16 version, [string topic, [int32 partition]], bytes user data. std::nullopt when the
/// bytes are not such an assignment (another protocol type, truncated data).
std::optional<std::vector<TopicPartition>> ParseConsumerAssignment(std::string_view bytes);

/// Thrown when the cluster cannot answer; keeps librdkafka's code.
class GroupError : public std::runtime_error {
  public:
    GroupError(rd_kafka_resp_err_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
    rd_kafka_resp_err_t Code() const noexcept { return code_; }
    /// The broker does not implement ListGroups/DescribeGroups (e.g. librdkafka's mock cluster).
    bool Unsupported() const noexcept;

  private:
    rd_kafka_resp_err_t code_;
};

class GroupClient {
  public:
    GroupClient(const kafka::ClientConfig& config, std::chrono::milliseconds timeout);
    ~GroupClient();
    GroupClient(const GroupClient&) = delete;
    GroupClient& operator=(const GroupClient&) = delete;

    /// Every group of the cluster (ListGroups on every broker, then DescribeGroups), by name.
    std::vector<GroupInfo> List();
    /// One group; a group the coordinator does not know comes back with state "Dead" and no members.
    GroupInfo Describe(const std::string& group);

    /// Offset of the first record at or after `timestamp_ms` per partition; the high watermark
    /// where no record is that new (as kafka-consumer-groups.sh --to-datetime does).
    std::map<TopicPartition, std::int64_t> OffsetsForTime(const std::vector<TopicPartition>& partitions,
                                                          std::int64_t timestamp_ms);

  private:
    std::vector<GroupInfo> ListGroups(const char* group);

    std::chrono::milliseconds timeout_;
    rd_kafka_t* handle_ = nullptr;
};

/// Commits `offsets` for `group` without joining it (generation -1), as a tool does for an empty
/// group. The broker refuses it while the group has members: GroupError with UNKNOWN_MEMBER_ID,
/// ILLEGAL_GENERATION or REBALANCE_IN_PROGRESS.
void CommitGroupOffsets(const kafka::ClientConfig& config, const std::string& group,
                        const std::map<TopicPartition, std::int64_t>& offsets);

/// True for the commit errors a broker returns when the group has active members.
bool ActiveGroupError(rd_kafka_resp_err_t code) noexcept;

}  // namespace cosmic::cosmicctl
