#pragma once
// The baseline of every consumer figure: a bare librdkafka consumer in a fresh group (poll, touch
// every payload byte, store the offset, auto-commit), with no parsing and no metrics.

#include <chrono>
#include <map>
#include <string>

namespace cosmic::bench {

/// Throughput of one consumer over a pre-produced topic.
struct Throughput {
    long events = 0;
    double seconds = 0;        ///< first record to the last
    double cpu_seconds = 0;    ///< process CPU (user + system) over the same span
    double group_join_ms = 0;  ///< subscribe to the first record
    double PerSecond() const { return seconds > 0 ? static_cast<double>(events) / seconds : 0; }
};

struct RawConsumerOptions {
    std::string brokers;
    std::string topic;
    std::string group;
    long count = 0;  ///< stop after this many records
    /// librdkafka properties on top of the loop's defaults (group.id, auto.offset.reset=earliest,
    /// enable.auto.offset.store=false).
    std::map<std::string, std::string> properties;
    std::chrono::milliseconds timeout{std::chrono::minutes(5)};
    /// 0: rd_kafka_consumer_poll per record; N: rd_kafka_consume_batch_queue up to N at a time.
    int batch = 0;
};

/// Consumes `count` records; throws std::runtime_error when they do not arrive within `timeout`.
Throughput RawConsume(const RawConsumerOptions& options);

}  // namespace cosmic::bench
