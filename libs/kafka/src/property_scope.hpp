#pragma once
// One ClientConfig feeds both the consumer and the producers of a service. librdkafka warns
// (CONFWARN) about every property meant for the other client type, so each side drops the
// other side's properties first.

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::kafka::client_detail {

inline constexpr std::array<std::string_view, 27> kConsumerOnly = {
    "group.id", "group.instance.id", "session.timeout.ms", "heartbeat.interval.ms", "group.protocol.type",
    "coordinator.query.interval.ms", "max.poll.interval.ms", "enable.auto.commit", "auto.commit.interval.ms",
    "enable.auto.offset.store", "queued.min.messages", "queued.max.messages.kbytes", "fetch.wait.max.ms",
    "fetch.message.max.bytes", "max.partition.fetch.bytes", "fetch.max.bytes", "fetch.min.bytes",
    "fetch.error.backoff.ms", "offset.store.method", "isolation.level", "enable.partition.eof", "check.crcs",
    "partition.assignment.strategy", "auto.offset.reset", "consume.callback.max.messages", "allow.auto.create.topics",
    "fetch.queue.backoff.ms"};

inline constexpr std::array<std::string_view, 21> kProducerOnly = {
    "transactional.id", "transaction.timeout.ms", "enable.idempotence", "enable.gapless.guarantee",
    "queue.buffering.max.messages", "queue.buffering.max.kbytes", "queue.buffering.max.ms", "linger.ms",
    "message.send.max.retries", "retries", "queue.buffering.backpressure.threshold", "compression.codec",
    "compression.type", "batch.num.messages", "batch.size", "delivery.report.only.error", "sticky.partitioning.linger.ms",
    "acks", "request.required.acks", "message.timeout.ms", "partitioner"};

inline ClientConfig Without(const ClientConfig& config, std::span<const std::string_view> names) {
    ClientConfig result = config;
    for (std::string_view name : names) {
        result.properties.erase(std::string(name));
    }
    return result;
}

inline ClientConfig ForProducer(const ClientConfig& config) {
    return Without(config, kConsumerOnly);
}

inline ClientConfig ForConsumer(const ClientConfig& config) {
    return Without(config, kProducerOnly);
}

}  // namespace cosmic::kafka::client_detail
