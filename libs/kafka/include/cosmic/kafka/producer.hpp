#pragma once
/// The suite's producer (DESIGN.md §4, §5): idempotent (`enable.idempotence=true`, `acks=all`),
/// per-topic compression from the topic table, the standard headers on every event, delivery
/// reports on a thread the producer owns, a bounded local queue with blocking backpressure, and
/// counted no-ops when Kafka is disabled.
///
/// Metrics: cosmic_events_produced_total{topic}, cosmic_produce_errors_total{topic},
/// cosmic_produce_skipped_total{topic} (disabled mode).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "cosmic/kafka/client_config.hpp"
#include "cosmic/kafka/errors.hpp"
#include "cosmic/kafka/headers.hpp"
#include "cosmic/schema/event.hpp"

namespace prometheus {
class Registry;
}

namespace cosmic::kafka {

struct ProducerOptions {
    std::string client_id = "cosmic-producer";
    /// linger.ms: how long a batch waits for more records.
    std::chrono::milliseconds linger{5};
    /// batch.num.messages and batch.size (bytes) per partition batch.
    int batch_messages = 10000;
    int batch_bytes = 1000000;
    /// The memory bound of the local queue: queue.buffering.max.messages / .kbytes.
    int max_queued_messages = 100000;
    int max_queued_kbytes = 65536;
    /// A full local queue blocks Publish/Send this long, then they fail with _QUEUE_FULL.
    std::chrono::milliseconds enqueue_timeout{std::chrono::seconds(1)};
    /// message.timeout.ms: a record not acknowledged by then fails its delivery report.
    std::chrono::milliseconds delivery_timeout{std::chrono::seconds(30)};
    /// How long the destructor waits for outstanding deliveries.
    std::chrono::milliseconds flush_timeout{std::chrono::seconds(10)};
};

/// Extra input to Publish.
struct PublishOptions {
    /// W3C traceparent to send (usually the child of the input's); a new trace when empty.
    std::string_view traceparent;
    /// Added after the standard headers.
    std::span<const Header> headers;
};

/// A raw record for Send (dead letters, replay, tools).
struct OutgoingMessage {
    std::string_view topic;
    /// Explicit partition; the partitioner (murmur2 on the key, Java-compatible) when empty.
    std::optional<std::int32_t> partition;
    /// nullopt sends a null key.
    std::optional<std::string_view> key;
    std::string_view value;
    std::span<const Header> headers;
};

/// The outcome of one record, given to its DeliveryCallback.
struct DeliveryReport {
    /// Valid for the lifetime of the producer.
    std::string_view topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    /// No error when the broker acknowledged the record (acks=all).
    KafkaError error;
    /// Kafka is disabled (ClientConfig::enabled == false): nothing was sent.
    bool skipped = false;
};

/// Runs on the producer's delivery thread: keep it short and never call Flush from it.
using DeliveryCallback = std::function<void(const DeliveryReport&)>;

class Producer {
public:
    /// Throws std::invalid_argument for a librdkafka property it rejects, KafkaException when
    /// the client cannot be created. `registry` may be null (no metrics).
    Producer(const ClientConfig& config, ProducerOptions options, std::shared_ptr<prometheus::Registry> registry);
    /// Close(options.flush_timeout) unless closed before.
    ~Producer();
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    /// Serializes `event` to its topic with key event.Key() (null when empty) and headers
    /// event_type, schema_version, correlation_id, content-type, traceparent, then
    /// options.headers. Returns an error when the record was not queued (queue full past the
    /// enqueue timeout, fatal producer state, ...); the callback is then not called. On success
    /// the callback (if any) is called exactly once with the delivery report.
    [[nodiscard]] KafkaError Publish(const schema::Event& event, const PublishOptions& options = {},
                                     DeliveryCallback callback = {});

    /// Produces a raw record (bytes as given). Same queueing and callback rules as Publish.
    [[nodiscard]] KafkaError Send(const OutgoingMessage& message, DeliveryCallback callback = {});

    /// Waits until every queued record got its delivery report or `timeout` passed. Returns how
    /// many records are still undelivered (0 = all done); logs a warning when not 0.
    std::size_t Flush(std::chrono::milliseconds timeout);

    /// Flushes for at most `timeout`, fails what is left (callbacks get _PURGE_QUEUE /
    /// _PURGE_INFLIGHT) and stops the delivery thread. Later Publish/Send fail with _DESTROY.
    /// Returns how many records were purged. Idempotent; the destructor calls it.
    std::size_t Close(std::chrono::milliseconds timeout);

    /// Records queued or in flight (not yet reported).
    std::size_t Outstanding() const noexcept;
    /// False in disabled mode.
    bool Enabled() const noexcept;
    /// The fatal error that stopped the producer (idempotence state lost), if any.
    KafkaError Fatal() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cosmic::kafka
