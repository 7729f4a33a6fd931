#pragma once
/// The consumer runner shared by every consuming service (DESIGN.md §6). A service says what it
/// handles and returns an Outcome; the runner owns polling, offsets, retries, dead letters,
/// rebalances, lag, metrics and shutdown:
///
///     runner.On("audit.*", [&](const schema::Event& event, const kafka::Delivery& from) {
///         return store_.Append(event, from) ? kafka::Outcome::Ok() : kafka::Outcome::Retry("store busy");
///     });
///
/// Semantics: at-least-once. `enable.auto.commit=true`, `enable.auto.offset.store=false`; an
/// offset is stored only after its record was handled (Ok), skipped (no handler for its
/// event_type) or acknowledged by the dead-letter topic. Records of one partition are handled
/// in offset order; a retrying record pauses only its own partition.
///
/// Metrics: cosmic_events_consumed_total{topic,event_type,outcome} (ok, retry, dead_letter,
/// skipped, invalid), cosmic_event_processing_seconds{topic}, cosmic_event_age_seconds{topic},
/// cosmic_retries_total{topic}, cosmic_dlq_messages_total{topic},
/// cosmic_consumer_lag_messages{topic,partition}; the dead-letter producer adds the producer's.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cosmic/kafka/client_config.hpp"
#include "cosmic/kafka/delivery.hpp"
#include "cosmic/kafka/outcome.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/retry.hpp"
#include "cosmic/kafka/stats.hpp"

namespace prometheus {
class Registry;
}

namespace cosmic::kafka {

struct RunnerOptions {
    std::string group_id;
    /// Table topics (schema::FindTopic must know them: the topic decides how records parse).
    std::vector<std::string> topics;
    ClientConfig client;
    /// client.id; "<group_id>" when empty.
    std::string client_id;
    /// group.instance.id: static membership (KIP-345). A member that restarts under the same id
    /// within session.timeout.ms gets its partitions back without a rebalance; empty joins
    /// dynamically. Set it only from an identity that is stable across restarts (a pod name).
    std::string group_instance_id;
    /// Called once (from a librdkafka or the runner's thread) when the consumer hits a fatal
    /// error (e.g. FENCED_INSTANCE_ID: another member took this static identity) and the runner
    /// stops; the argument says why. The service kit stops the process with a failure exit code.
    std::function<void(const std::string&)> on_fatal;
    RetryPolicy retry;
    /// Stop() without an explicit deadline, and the destructor, use this.
    std::chrono::milliseconds shutdown_deadline{std::chrono::seconds(10)};
    /// Records handled per loop turn before retries, dead-letter acks and timers are serviced.
    int poll_batch_size = 500;
    /// Helper threads that parse the rest of a consumed batch ahead while the consumer thread
    /// handles records in order; 0 parses on the consumer thread. At most kMaxParseThreads.
    std::size_t parse_threads = std::thread::hardware_concurrency() > 1 ? 1 : 0;
    static constexpr std::size_t kMaxParseThreads = 64;
    /// Longest a poll waits when idle (bounds how late a retry or a batch deadline fires).
    std::chrono::milliseconds poll_timeout{100};
    /// fetch.wait.max.ms
    std::chrono::milliseconds fetch_wait_max{100};
    /// statistics.interval.ms (consumer lag); 0 turns lag reporting off.
    std::chrono::milliseconds statistics_interval{std::chrono::seconds(5)};
    /// partition.assignment.strategy; eager strategies ("range", "roundrobin") work as well.
    std::string assignment_strategy = "cooperative-sticky";
    /// auto.offset.reset for a group without committed offsets.
    std::string auto_offset_reset = "earliest";
    /// queued.max.messages.kbytes: the prefetch memory bound of the consumer queue.
    int max_prefetch_kbytes = 32768;
    /// Send dead letters to `<topic>.dlq`. When false a dead letter is logged, counted and its
    /// offset stored (the record is dropped).
    bool dead_letter_queue = true;
    /// Settings of the dead-letter producer (client.id defaults to "<group_id>-dlq").
    ProducerOptions dlq_producer;
    /// Longest a revoke waits for in-flight dead-letter acks and the offset commit.
    std::chrono::milliseconds revoke_timeout{std::chrono::seconds(5)};
};

/// Handles one valid event.
using EventHandler = std::function<Outcome(const schema::Event&, const Delivery&)>;
/// Handles a record the parser rejected (malformed JSON, schema violation).
using InvalidHandler = std::function<Outcome(const RawRecord&, const schema::Violation&)>;
/// Handles a batch; its outcome applies to every record of the batch.
using BatchHandler = std::function<Outcome(std::span<const Record>)>;

/// Records by what became of them, since the runner was built (all topics). Monotonic; read
/// from any thread. Published once per loop turn (at most poll_timeout behind the handlers).
/// handled + skipped + dead_lettered = records done with (their offsets stored); invalid counts
/// those of them the parser rejected. failed and retried count handler calls, not records: a
/// retried batch counts once.
struct RunnerCounts {
    std::uint64_t handled = 0;        ///< the handler returned kOk (or a batch containing it did)
    std::uint64_t skipped = 0;        ///< no handler for the event_type (offset stored)
    std::uint64_t invalid = 0;        ///< rejected by the parser (then dead-lettered or given to OnInvalid)
    std::uint64_t failed = 0;         ///< handler calls that did not return kOk (each retry attempt counts)
    std::uint64_t retried = 0;        ///< retries scheduled
    std::uint64_t dead_lettered = 0;  ///< records acknowledged by the dead-letter topic (or dropped when it is off)
    /// Fetchers woken after the consumer queue had filled to librdkafka's limits and drained.
    std::uint64_t fetch_wakeups = 0;
};

struct TopicPartition {
    std::string topic;
    std::int32_t partition = 0;

    friend bool operator==(const TopicPartition&, const TopicPartition&) = default;
    friend auto operator<=>(const TopicPartition&, const TopicPartition&) = default;
};

class Runner {
  public:
    /// Validates the options (throws std::invalid_argument: no group, unknown topic, bad
    /// property). `registry` may be null (metrics then go to a private registry).
    Runner(RunnerOptions options, std::shared_ptr<prometheus::Registry> registry);
    /// Stop(options.shutdown_deadline).
    ~Runner();
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    /// Registers a handler before Start(): `pattern` is an exact event_type, "prefix.*" or "*";
    /// the most specific pattern wins. Records whose event_type has no handler are skipped
    /// (offset stored, counted as outcome="skipped").
    void On(std::string_view pattern, EventHandler handler);
    /// Before Start(): invalid records go to this hook instead of straight to the dead-letter
    /// topic (e.g. a store that keeps invalid records returns kOk).
    void OnInvalid(InvalidHandler handler);
    /// Before Start(), instead of On(): records are handed over in batches of up to
    /// `max_records`, a batch closing early `max_wait` after its first record. Invalid records
    /// are part of the batch (Record::event null). kOk stores every offset of the batch; kRetry
    /// retries the whole batch (its partitions paused); kDeadLetter dead-letters all of it.
    void OnBatch(BatchHandler handler, std::size_t max_records, std::chrono::milliseconds max_wait);

    /// Creates the consumer, subscribes and starts the consumer thread. A no-op when Kafka is
    /// disabled. Throws KafkaException / std::invalid_argument when the client cannot start.
    void Start();
    /// Stops fetching, lets the record in hand finish, stores and commits offsets, leaves the
    /// group and flushes the dead-letter producer. Returns false when the deadline passed first
    /// (the consumer is then destroyed without waiting further). Idempotent.
    bool Stop(std::chrono::milliseconds deadline);
    bool Stop();

    /// True once the group gave this consumer an assignment (possibly empty) and until Stop.
    bool Ready() const noexcept;
    /// For a readiness check's detail: "group G assigned" when Ready(), otherwise "waiting for a
    /// group assignment", followed by the last client error of the past 60 s (e.g. "; last Kafka
    /// error: _AUTHENTICATION: SASL authentication error: ...") so an operator sees why.
    std::string ReadinessDetail() const;
    /// False when ClientConfig::enabled is false: nothing is consumed.
    bool Enabled() const noexcept;
    /// The partitions currently assigned.
    std::vector<TopicPartition> Assignment() const;
    /// The latest consumer lag of the assigned partitions (from librdkafka statistics).
    LagSnapshot Lag() const;
    /// What became of the records so far (for heartbeats; cheap: a few atomic loads).
    RunnerCounts Counts() const noexcept;
    const std::string& GroupId() const noexcept;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cosmic::kafka
