#pragma once
/// Consumer-group lag as an outside observer sees it: the group's committed offsets (read with
/// ListConsumerGroupOffsets naming every partition explicitly) against each partition's
/// watermarks. Used by health-monitor (periodically, on one reused client) and `cosmicctl lag`.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::kafka {

/// One partition of one topic as seen for one group.
struct PartitionLag {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t committed = -1;  ///< next offset the group will read; -1 when nothing is committed
    std::int64_t low = 0;         ///< log start offset (oldest retained record)
    std::int64_t high = 0;        ///< high watermark (offset of the next record to be written)
    /// high - committed, never negative. With no commit the group would start at the oldest
    /// retained record (auto.offset.reset=earliest), so every retained record counts: high - low.
    std::int64_t lag = 0;
};

struct GroupLag {
    std::string group;
    std::vector<PartitionLag> partitions;  ///< ordered by topic (as requested), then partition

    std::int64_t TotalLag() const noexcept;
};

/// lag for one partition as documented on PartitionLag::lag.
std::int64_t ComputeLag(std::int64_t committed, std::int64_t low, std::int64_t high) noexcept;

/// Thrown when the cluster cannot answer (unknown topic, timeout, coordinator errors). Keeps
/// librdkafka's error code.
class GroupLagError : public std::runtime_error {
  public:
    GroupLagError(rd_kafka_resp_err_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
    rd_kafka_resp_err_t Code() const noexcept { return code_; }

  private:
    std::vector<int> PartitionCounts(const std::vector<std::string>& topics,
                                     std::chrono::steady_clock::time_point deadline);
    rd_kafka_resp_err_t code_;
};

struct GroupLagOptions {
    /// Budget for one Read (metadata, offsets and watermarks together).
    std::chrono::milliseconds timeout = std::chrono::seconds(10);
    /// Read commits with the Admin API (ListConsumerGroupOffsets). When false, or when the
    /// cluster refuses that request, a temporary consumer with the group's id (never subscribed,
    /// so the group is not disturbed) asks for committed offsets instead.
    bool use_admin_api = true;
};

/// Reads group lag over one long-lived client connection. Thread-safe (calls are serialised).
class GroupLagReader {
  public:
    /// `config` supplies bootstrap.servers and security settings (group.id is ignored).
    explicit GroupLagReader(const ClientConfig& config, GroupLagOptions options = {});
    ~GroupLagReader();
    GroupLagReader(const GroupLagReader&) = delete;
    GroupLagReader& operator=(const GroupLagReader&) = delete;

    /// Lag of `group` on every partition of `topics`. Throws GroupLagError.
    GroupLag Read(std::string_view group, const std::vector<std::string>& topics);

    /// True when commits are read with a temporary consumer's committed() query: configured so,
    /// or the cluster refused ListConsumerGroupOffsets.
    bool UsesCommittedFallback() const noexcept { return admin_unsupported_; }

    /// Partition count of a topic from metadata. Throws GroupLagError (unknown topic included).
    int PartitionCount(std::string_view topic);

  private:
    std::vector<int> PartitionCounts(const std::vector<std::string>& topics,
                                     std::chrono::steady_clock::time_point deadline);
    std::vector<std::int64_t> CommittedViaAdmin(std::string_view group, rd_kafka_topic_partition_list_t* partitions,
                                                bool& unsupported);
    std::vector<std::int64_t> CommittedViaConsumer(std::string_view group, rd_kafka_topic_partition_list_t* partitions);

    ClientConfig config_;
    std::chrono::milliseconds timeout_;
    std::mutex mutex_;
    rd_kafka_t* client_ = nullptr;
    rd_kafka_queue_t* queue_ = nullptr;
    std::atomic<bool> admin_unsupported_{false};  ///< remembered so each later Read goes straight to the fallback
};

}  // namespace cosmic::kafka
