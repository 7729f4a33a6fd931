#pragma once
// Runner internals, split by responsibility. Runner::Impl composes:
//   PartitionTable (runner_partitions.hpp)  assignment, pause/resume, offset store and flush
//   HeldUnits      (runner_units.hpp)       records held for a retry or a dead letter: backoff,
//                                           the dead-letter producer and its reports
//   LagReporter    (runner_lag.hpp)         statistics -> lag gauges and the Lag() snapshot
//   RunnerTally    (runner_metrics.hpp)     Counts(), next to the per-topic metric handles
// and keeps what ties them together: configuration, the lifecycle (Start, Stop, the consumer
// thread), intake and parse-ahead, handler calls, rebalances, commits and shutdown.
//
// Threads: one consumer thread owns the librdkafka consumer and all of the above. Other threads
// touch only
//   - the lifecycle atomics, the stop deadline (deadline_mutex) and the last client error
//     (last_error_mutex): Runner's public methods and the error callback;
//   - PartitionTable::Assignment(), LagReporter::Snapshot() and RunnerTally::Snapshot(): each
//     part's own snapshot (a mutex or relaxed atomics);
//   - HeldUnits::PostReport(), from the dead-letter producer's delivery thread, which wakes the
//     consumer thread through the QueueWaker (as Stop() does).
// The per-record path takes no lock: offsets and metrics are buffered per loop turn.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "cosmic/kafka/dispatch.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "runner_lag.hpp"
#include "runner_metrics.hpp"
#include "runner_fetch.hpp"
#include "runner_parse.hpp"
#include "runner_partitions.hpp"
#include "runner_types.hpp"
#include "runner_units.hpp"

namespace cosmic::kafka {

struct Runner::Impl {
    using Clock = runner_detail::Clock;
    using MessagePtr = runner_detail::MessagePtr;
    using Held = runner_detail::Held;
    using Failure = runner_detail::Failure;
    using Result = runner_detail::Result;
    using Unit = runner_detail::Unit;

    Impl(RunnerOptions options, std::shared_ptr<prometheus::Registry> registry);

    // ---- configuration (set before Start, then read-only) ----
    RunnerOptions options;
    std::shared_ptr<prometheus::Registry> registry;
    runner_detail::RunnerFamilies families;
    runner_detail::TopicTable topics;
    PatternTable patterns;
    std::vector<EventHandler> handlers;
    InvalidHandler on_invalid;
    BatchHandler on_batch;
    std::size_t batch_max_records = 0;
    std::chrono::milliseconds batch_max_wait{0};
    /// For log lines: "<group>" before Start, "<group>/<client instance>" after.
    std::string name;

    // ---- cross-thread ----
    std::atomic<bool> started{false};
    std::atomic<bool> stop_requested{false};
    std::atomic<bool> ready{false};
    std::atomic<bool> fatal_reported{false};  ///< OnFatal ran (librdkafka raises it on several paths)
    std::mutex deadline_mutex;
    Clock::time_point stop_deadline{};  ///< under deadline_mutex; set together with stop_requested
    bool clean_stop = true;             ///< written by the consumer thread, read after join
    std::mutex stop_mutex;
    bool joined = false;
    std::thread thread;
    /// The last error the client reported (error callback), for ReadinessDetail.
    struct LastError {
        std::string text;
        Clock::time_point at{};
    };
    mutable std::mutex last_error_mutex;
    LastError last_error;
    runner_detail::QueueWaker waker;  ///< the consumer queue, for Stop and dead-letter reports

    // ---- the parts (consumer thread, each with its own cross-thread snapshot) ----
    runner_detail::RunnerTally tally;
    runner_detail::PartitionTable partitions{topics, name};
    runner_detail::HeldUnits units{options, topics, partitions, tally, waker, name};
    runner_detail::LagReporter lag{families.lag, topics, partitions};

    // ---- consumer thread ----
    rd_kafka_t* consumer = nullptr;
    rd_kafka_queue_t* consumer_queue = nullptr;  ///< written by Start and Shutdown only
    schema::Parser parser;
    Held single;              ///< a record polled outside the loop turn (Intake(MessagePtr))
    std::vector<Held> batch;  ///< batch mode: pool of records, the first batch_count in use
    std::size_t batch_count = 0;
    Clock::time_point batch_deadline{};
    std::vector<Record> batch_view;           ///< reused handler argument
    std::vector<rd_kafka_message_t*> polled;  ///< reused rd_kafka_consume_batch_queue array
    std::vector<Held> staged;                 ///< the consumed batch, parsed ahead, taken in in order
    std::vector<runner_detail::ParseSlot> parse_slots;
    /// Helper threads that parse the rest of a consumed batch while records are handled.
    runner_detail::ParseAhead parse_ahead{options.parse_threads};
    /// Wakes the fetchers when a full consumer queue has drained (runner_fetch.hpp); made in Start
    /// from the consumer's queue limits.
    runner_detail::FetchKicker fetch_kicker;
    double average_record_bytes = 0;  ///< of consumed records (moving average)
    bool draining = false;  ///< shutting down: records still arriving are dropped unhandled
    telemetry::RateLimiter handler_log{std::chrono::seconds(5)};  ///< handlers that threw unexpectedly
    telemetry::RateLimiter outcome_log{std::chrono::seconds(5)};  ///< Retry / DeadLetter and the typed exceptions
    telemetry::RateLimiter invalid_log{std::chrono::seconds(1)};  ///< records that broke the schema
    telemetry::RateLimiter consumer_log{std::chrono::seconds(5)};

    // runner.cpp: lifecycle
    static void RebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                    rd_kafka_topic_partition_list_t* partitions, void* opaque);
    static int StatsTrampoline(rd_kafka_t* rk, char* json, size_t length, void* opaque);
    static void ErrorTrampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque);
    void NoteError(int err, const char* reason);
    /// A fatal consumer error: log it, stop the runner and tell options.on_fatal, once.
    void OnFatal(rd_kafka_t* rk);
    void Start();
    bool Stop(std::chrono::milliseconds deadline);
    /// The first request wins: later ones neither move the deadline nor wake anyone.
    void RequestStop(Clock::time_point deadline);
    Clock::time_point StopDeadline();
    void Run();

    // runner_loop.cpp: intake, handler calls, outcomes
    void Turn();
    /// Up to poll_batch_size records (and consumer errors) into `polled`, waiting at most
    /// `timeout_ms` for the first; returns how many.
    std::size_t Consume(int timeout_ms);
    /// Hands the buffered counts and histogram observations to prometheus and Counts() (once
    /// per loop turn).
    void FlushMetrics();
    int PollTimeoutMs(Clock::time_point now) const;
    /// Takes the consumed batch into `staged` and starts parsing it ahead.
    void Stage(std::size_t count);
    /// Takes one staged record in: checks its partition, then handles it or adds it to the batch.
    void Intake(Held& fresh);
    /// The same for a record polled on its own: parsed here, then taken in.
    void Intake(MessagePtr message);
    void OnConsumerError(const rd_kafka_message_t& message);
    Delivery MakeDelivery(const Held& held, int attempt) const;
    Result Invoke(std::span<Held> records, int attempt, Failure& failure);
    /// The rate-limited log line of a handler call that did not return Ok.
    void LogFailure(std::span<const Held> records, int attempt, Result result, const Failure& failure, bool unexpected);
    void ProcessFresh(std::span<Held> records);
    /// A held unit's retry is due: calls the handler again and acts on the outcome.
    void RetryUnit(Unit& unit);
    void DispatchBatch();
    /// Records handled (or skipped): their offsets are stored and they are counted.
    void Complete(std::span<Held> records, Result result);

    // runner_rebalance.cpp: assignment changes, commits, shutdown
    void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void OnAssigned(const rd_kafka_topic_partition_list_t& partitions);
    void OnRevoked(const rd_kafka_topic_partition_list_t& partitions, bool lost);
    rd_kafka_resp_err_t CommitSync(const rd_kafka_topic_partition_list_t* offsets, Clock::time_point deadline);
    /// Commits every stored offset of the assignment; while the group is rebalancing (or the
    /// coordinator moving) keeps serving the consumer and tries again until the deadline.
    rd_kafka_resp_err_t CommitStored(Clock::time_point deadline);
    void PublishAssignment();
    void Shutdown();
};

}  // namespace cosmic::kafka
