#pragma once
// Runner internals. One consumer thread owns everything below the "consumer thread" line: the
// librdkafka consumer, partition states, held records and the parser. Other threads touch only
// the atomics, the snapshot (under snapshot_mutex) and the dead-letter reports (under
// reports_mutex).

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cosmic/kafka/dispatch.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/topics.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "runner_metrics.hpp"
#include "runner_parse.hpp"

namespace cosmic::kafka {

namespace runner_detail {

using Clock = std::chrono::steady_clock;

struct MessageDeleter {
    void operator()(rd_kafka_message_t* message) const noexcept { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

/// A consumed record the runner still owns: the librdkafka message and its parse result.
struct Held {
    MessagePtr message;
    std::size_t topic = 0;  ///< index into Runner::Impl::topics
    schema::Event event;
    std::optional<schema::Violation> violation;
    bool dlq_acked = false;
};

/// Why a handler call did not end in Ok: the future dlq.error.class and dlq.error.message.
struct Failure {
    std::string error_class;
    std::string message;  ///< at most kMaxDlqErrorMessageBytes (cut when set)
};

/// What came out of one handler call (or of no call, for a record nobody handles).
enum class Result : std::uint8_t { kOk, kSkipped, kRetry, kDeadLetter };

enum class Phase : std::uint8_t {
    kRetryWait,     ///< handler asked for a retry; call again at `due`
    kDlqInFlight,   ///< dead letters sent, waiting for their delivery reports
    kDlqRetryWait,  ///< a dead-letter produce failed; send again at `due`
};

/// Records held back from their partitions (paused) until they are handled or dead-lettered:
/// one record in per-record mode, a whole batch in batch mode.
struct Unit {
    std::uint64_t id = 0;
    std::vector<Held> records;
    Phase phase = Phase::kRetryWait;
    int attempts = 0;      ///< handler calls so far
    int dlq_attempts = 0;  ///< dead-letter send rounds so far
    Clock::time_point due{};
    std::size_t dlq_pending = 0;
    bool dlq_failed = false;
    Failure failure;
};

struct PartitionState {
    bool assigned = false;
    bool paused = false;             ///< paused by the runner (a unit holds it)
    bool needs_seek = false;         ///< a record arrived while paused and was dropped
    std::uint64_t unit = 0;          ///< the unit holding the partition, 0 when flowing
    std::int64_t last_offset = -1;   ///< highest offset taken in since assignment
    std::int64_t stored_next = -1;   ///< offset stored for commit (next to consume), -1 none
    std::int64_t pending_next = -1;  ///< handled but not yet stored (FlushOffsets), -1 none
};

struct TopicState {
    std::string name;
    const schema::TopicSpec* spec = nullptr;
    std::string dlq_name;
    std::unique_ptr<runner_detail::TopicMetrics> metrics;
    std::vector<PartitionState> partitions;  ///< indexed by partition id
};

struct DlqReport {
    std::uint64_t unit = 0;
    std::size_t index = 0;
    KafkaError error;
};

}  // namespace runner_detail

struct Runner::Impl {
    using Clock = runner_detail::Clock;
    using MessagePtr = runner_detail::MessagePtr;
    using Held = runner_detail::Held;
    using Failure = runner_detail::Failure;
    using Result = runner_detail::Result;
    using Phase = runner_detail::Phase;
    using Unit = runner_detail::Unit;
    using PartitionState = runner_detail::PartitionState;
    using TopicState = runner_detail::TopicState;
    using DlqReport = runner_detail::DlqReport;

    Impl(RunnerOptions options, std::shared_ptr<prometheus::Registry> registry);

    // ---- configuration (set before Start, then read-only) ----
    RunnerOptions options;
    std::shared_ptr<prometheus::Registry> registry;
    runner_detail::RunnerFamilies families;
    runner_detail::RunnerTally tally;  ///< Counts(): counted on the consumer thread, read anywhere
    std::vector<TopicState> topics;
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
    std::mutex deadline_mutex;
    Clock::time_point stop_deadline{};  ///< under deadline_mutex; set together with stop_requested
    bool clean_stop = true;             ///< written by the consumer thread, read after join
    std::mutex stop_mutex;
    bool joined = false;
    std::thread thread;

    mutable std::mutex snapshot_mutex;
    std::vector<TopicPartition> assignment;
    LagSnapshot lag;
    std::set<std::pair<std::size_t, std::int32_t>> lag_gauges;  ///< (topic index, partition) with a gauge

    /// Dead-letter reports from the producer thread; also guards `consumer_queue` for yield.
    std::mutex reports_mutex;
    std::condition_variable reports_cv;
    std::vector<DlqReport> reports;
    rd_kafka_queue_t* consumer_queue = nullptr;

    // ---- consumer thread ----
    rd_kafka_t* consumer = nullptr;
    std::unique_ptr<Producer> dlq;
    schema::Parser parser;
    Backoff backoff;
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
    /// While set, StoreOffset only notes the offset; FlushOffsets stores the highest per
    /// partition in one rd_kafka_offsets_store call. Set only around work that cannot serve
    /// the consumer queue (so no rebalance callback sees an unstored offset).
    bool defer_offsets = false;
    std::vector<std::pair<std::size_t, std::int32_t>> pending_offsets;  ///< (topic, partition)
    std::map<std::uint64_t, Unit> units;
    std::uint64_t next_unit_id = 1;
    std::vector<DlqReport> reports_in_hand;
    bool draining = false;  ///< shutting down: records still arriving are dropped unhandled
    telemetry::RateLimiter handler_log{std::chrono::seconds(5)};  ///< handlers that threw unexpectedly
    telemetry::RateLimiter outcome_log{std::chrono::seconds(5)};  ///< Retry / DeadLetter and the typed exceptions
    telemetry::RateLimiter consumer_log{std::chrono::seconds(5)};
    /// The last error the client reported (error callback), for ReadinessDetail.
    struct LastError {
        std::string text;
        Clock::time_point at{};
    };
    mutable std::mutex last_error_mutex;
    LastError last_error;
    void NoteError(int err, const char* reason);
    telemetry::RateLimiter dlq_log{std::chrono::seconds(5)};
    telemetry::RateLimiter offset_log{std::chrono::seconds(5)};

    // runner.cpp
    static void RebalanceTrampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                    rd_kafka_topic_partition_list_t* partitions, void* opaque);
    static int StatsTrampoline(rd_kafka_t* rk, char* json, size_t length, void* opaque);
    static void ErrorTrampoline(rd_kafka_t* rk, int err, const char* reason, void* opaque);
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
    PartitionState* Partition(std::size_t topic, std::int32_t partition);
    Delivery MakeDelivery(const Held& held, int attempt) const;
    Result Invoke(std::span<Held> records, int attempt, Failure& failure);
    /// The rate-limited log line of a handler call that did not return Ok.
    void LogFailure(std::span<const Held> records, int attempt, Result result, const Failure& failure, bool unexpected);
    void ProcessFresh(std::span<Held> records);
    void DispatchBatch();
    void Complete(std::span<Held> records, Result result);
    void CountRetry(std::span<Held> records);

    // runner_units.cpp: held records, retries, dead letters, pause/resume
    Unit& Hold(std::span<Held> records);
    void RetryUnit(Unit& unit);
    void StartDeadLetter(Unit& unit, Failure failure);
    void SendDeadLetters(Unit& unit);
    /// The unit's records are done as dead letters (`acknowledged` by the topic, or dropped
    /// with the topic off): stores their offsets and counts them.
    void FinishDeadLetters(const Unit& unit, bool acknowledged);
    void PostReport(DlqReport report);
    void ServiceReports();
    void ServiceDueUnits(Clock::time_point now);
    void Release(Unit& unit);
    void StoreOffset(const Held& held);
    /// Stores the offsets StoreOffset deferred (no-op when none).
    void FlushOffsets() noexcept;
    bool WaitForDeadLetters(const std::function<bool(const Unit&)>& relevant, Clock::time_point deadline);

    // runner_rebalance.cpp: assignment changes, commits, lag, shutdown
    void OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
    void OnAssigned(const rd_kafka_topic_partition_list_t& partitions);
    void OnRevoked(const rd_kafka_topic_partition_list_t& partitions, bool lost);
    /// Gives up a unit without storing its offsets; its partitions rewind to its first records.
    void Abandon(Unit& unit);
    rd_kafka_resp_err_t CommitSync(const rd_kafka_topic_partition_list_t* offsets, Clock::time_point deadline);
    /// Commits every stored offset of the assignment; while the group is rebalancing (or the
    /// coordinator moving) keeps serving the consumer and tries again until the deadline.
    rd_kafka_resp_err_t CommitStored(Clock::time_point deadline);
    void OnStats(std::string_view json);
    void PublishAssignment();
    void RemoveLagGauge(std::size_t topic, std::int32_t partition);
    void Shutdown();
    std::optional<std::size_t> TopicIndex(std::string_view name) const;
};

}  // namespace cosmic::kafka
