#pragma once
/// Reads a topic of the shared cluster from the beginning of every partition, outside any
/// consumer group the services use (assign, no commits), to check what really landed on it.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cosmic::e2e {

struct TopicRecord {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::optional<std::string> key;
    std::string value;
    std::map<std::string, std::string> headers;  ///< last value per name
    /// A header's value ("" when absent).
    std::string Header(const std::string& name) const {
        const auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

class TopicReader {
  public:
    /// Assigns every partition of `topic` at its beginning. Throws when the topic is unknown.
    TopicReader(const std::string& bootstrap, std::string topic);
    /// The same with further librdkafka properties (security.protocol, sasl.*, ssl.*), applied
    /// after the reader's own.
    TopicReader(const std::string& bootstrap, std::string topic, const std::map<std::string, std::string>& properties);
    ~TopicReader();
    TopicReader(const TopicReader&) = delete;
    TopicReader& operator=(const TopicReader&) = delete;

    /// Reads new records until `done(all records so far)` returns true (returns true) or the
    /// timeout passed (returns false). Records of one partition arrive in offset order.
    bool PollUntil(const std::function<bool(const std::vector<TopicRecord>&)>& done, std::chrono::milliseconds timeout);

    /// Everything read so far.
    const std::vector<TopicRecord>& Records() const { return records_; }
    const std::string& Topic() const { return topic_; }
    int Partitions() const { return partitions_; }

  private:
    std::string topic_;
    int partitions_ = 0;
    rd_kafka_t* consumer_ = nullptr;
    std::vector<TopicRecord> records_;
};

}  // namespace cosmic::e2e
