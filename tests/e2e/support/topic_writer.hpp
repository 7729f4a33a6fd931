#pragma once
/// A plain librdkafka producer for what no publisher of the suite writes: arbitrary bytes, no key,
/// huge values. Every record is acknowledged before Flush() returns.

#include <librdkafka/rdkafka.h>

#include <optional>
#include <string>
#include <string_view>

namespace cosmic::e2e {

class TopicWriter {
  public:
    explicit TopicWriter(const std::string& bootstrap);
    ~TopicWriter();
    TopicWriter(const TopicWriter&) = delete;
    TopicWriter& operator=(const TopicWriter&) = delete;

    /// Queues one record (`key` nullopt = a null key); throws std::runtime_error when librdkafka
    /// refuses it at once.
    void Produce(const std::string& topic, const std::optional<std::string>& key, std::string_view value);
    /// Waits until every queued record is acknowledged; the number that failed.
    int Flush();

  private:
    rd_kafka_t* producer_ = nullptr;
    int failed_ = 0;
};

}  // namespace cosmic::e2e
