#pragma once
// Reads records from a topic with an unsubscribed consumer (explicit partitions and offsets;
// nothing is committed, no group is joined).

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/kafka/client_config.hpp"
#include "cosmic/kafka/headers.hpp"

namespace cosmic::cosmicctl {

struct ReadRecord {
    std::string topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = -1;
    std::optional<std::string> key;  ///< nullopt for a null key
    std::string value;
    kafka::Headers headers;
};

/// Offsets [start, end) of one partition.
struct ReadRange {
    std::int32_t partition = 0;
    std::int64_t start = 0;
    std::int64_t end = 0;
};

/// Return false to stop reading.
using RecordSink = std::function<bool(ReadRecord&&)>;

class TopicReader {
  public:
    /// Throws CommandError when the client cannot be created.
    TopicReader(const kafka::ClientConfig& config, std::chrono::milliseconds timeout);
    ~TopicReader();
    TopicReader(const TopicReader&) = delete;
    TopicReader& operator=(const TopicReader&) = delete;

    /// Partition count of every topic; CommandError naming the bootstrap list when the cluster
    /// does not answer within the timeout.
    std::map<std::string, int> Topics();
    /// Partition count of `topic`; CommandError("unknown topic ...") when it does not exist.
    int PartitionCount(const std::string& topic);
    /// {low, high} watermarks.
    std::pair<std::int64_t, std::int64_t> Watermarks(const std::string& topic, std::int32_t partition);

    /// Reads every range to its end (records of one partition in offset order) or until `sink`
    /// returns false. CommandError when the ranges are not read within the timeout.
    void Read(const std::string& topic, const std::vector<ReadRange>& ranges, const RecordSink& sink);

    /// Reads from `starts` (partition -> offset, or RD_KAFKA_OFFSET_END) until `sink` returns
    /// false or `stop` is set.
    void Follow(const std::string& topic, const std::map<std::int32_t, std::int64_t>& starts,
                const std::atomic<bool>& stop, const RecordSink& sink);

  private:
    void Assign(const std::string& topic, const std::map<std::int32_t, std::int64_t>& starts);
    [[noreturn]] void Unreachable(rd_kafka_resp_err_t err) const;

    std::chrono::milliseconds timeout_;
    std::string bootstrap_;
    rd_kafka_t* consumer_ = nullptr;
};

}  // namespace cosmic::cosmicctl
