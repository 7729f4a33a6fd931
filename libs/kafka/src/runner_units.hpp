#pragma once
// Records the runner holds back from their partitions until they are handled or dead-lettered:
// in-place retries with backoff, the dead-letter producer and its delivery reports.
//
// Consumer thread only, except PostReport: the dead-letter producer's delivery thread hands
// reports over under the reports mutex and wakes the consumer thread (QueueWaker).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/retry.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "runner_partitions.hpp"
#include "runner_types.hpp"

namespace prometheus {
class Registry;
}

namespace cosmic::kafka::runner_detail {

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

struct DlqReport {
    std::uint64_t unit = 0;
    std::size_t index = 0;
    KafkaError error;
};

/// The consumer queue as other threads see it: they yield it to cut the consumer thread's
/// current poll short (Stop, a dead-letter report).
class QueueWaker {
  public:
    /// The consumer thread sets the queue after creating it and clears it before destroying it.
    void Set(rd_kafka_queue_t* queue) noexcept {
        std::lock_guard lock(mutex_);
        queue_ = queue;
    }
    /// Any thread; a no-op while no queue is set.
    void Wake() noexcept {
        std::lock_guard lock(mutex_);
        if (queue_ != nullptr) {
            rd_kafka_queue_yield(queue_);
        }
    }

  private:
    std::mutex mutex_;
    rd_kafka_queue_t* queue_ = nullptr;
};

class HeldUnits {
  public:
    /// Every argument must outlive the units (the runner's Impl owns them all).
    HeldUnits(const RunnerOptions& options, const TopicTable& topics, PartitionTable& partitions, RunnerTally& tally,
              QueueWaker& waker, const std::string& name);
    HeldUnits(const HeldUnits&) = delete;
    HeldUnits& operator=(const HeldUnits&) = delete;

    // ---- the dead-letter producer (none when the options turn the DLQ off) ----
    void OpenDeadLetterProducer(const std::shared_ptr<prometheus::Registry>& registry);
    /// Flushes within `timeout`, then fails what is left; false when records were left.
    bool CloseDeadLetterProducer(std::chrono::milliseconds timeout);
    void DestroyDeadLetterProducer() noexcept;

    /// Takes `records` over (moved) into a new unit and pauses their partitions.
    Unit& Hold(std::span<Held> records);
    /// A handler call on `unit` ended in `result` (kRetry or kDeadLetter): schedules the retry
    /// while attempts remain, otherwise sends the records to the dead-letter topic.
    void HandleFailure(Unit& unit, Result result, Failure failure);
    /// The unit's records are handled: its partitions resume and the unit is gone.
    void Release(Unit& unit);
    /// Gives up units without storing their offsets; their partitions rewind to their first
    /// records (revoke, shutdown).
    void AbandonWhere(const std::function<bool(const Unit&)>& relevant);
    void AbandonAll();

    /// Calls `retry(unit)` for each unit whose retry is due and sends the dead letters whose
    /// backoff ended. `retry` must end the unit's wait (Release or HandleFailure).
    template <typename Retry>
    void ServiceDue(Clock::time_point now, Retry&& retry);
    /// Acts on the dead-letter reports that arrived: a unit whose records are all acknowledged
    /// stores their offsets and is released; a failed one backs off and sends again.
    void ServiceReports();
    /// Services reports until no `relevant` unit waits for one or the deadline passes; false
    /// on the deadline.
    bool WaitForDeadLetters(const std::function<bool(const Unit&)>& relevant, Clock::time_point deadline);
    /// The earliest of `until` and the next due retry or dead-letter resend.
    Clock::time_point NextDue(Clock::time_point until) const noexcept;

  private:
    void Abandon(Unit& unit);
    void StartDeadLetter(Unit& unit, Failure failure);
    void SendDeadLetters(Unit& unit);
    /// The unit's records are done as dead letters (`acknowledged` by the topic, or dropped
    /// with the topic off): stores their offsets and counts them.
    void FinishDeadLetters(const Unit& unit, bool acknowledged);
    void CountRetry(const Unit& unit);
    /// Delivery thread of the dead-letter producer.
    void PostReport(DlqReport report);

    const RunnerOptions& options_;
    const TopicTable& topics_;
    PartitionTable& partitions_;
    RunnerTally& tally_;
    QueueWaker& waker_;
    const std::string& name_;

    Backoff backoff_;
    std::map<std::uint64_t, Unit> units_;
    std::uint64_t next_id_ = 1;
    std::vector<std::uint64_t> due_;  ///< reused by ServiceDue
    std::vector<DlqReport> reports_in_hand_;
    telemetry::RateLimiter dlq_log_{std::chrono::seconds(5)};

    std::mutex reports_mutex_;
    std::condition_variable reports_cv_;
    std::vector<DlqReport> reports_;  ///< under reports_mutex_

    /// Last, so it is destroyed first: its delivery thread may still post reports.
    std::unique_ptr<Producer> dlq_;
};

template <typename Retry>
void HeldUnits::ServiceDue(Clock::time_point now, Retry&& retry) {
    due_.clear();
    for (const auto& [id, unit] : units_) {
        if (unit.phase != Phase::kDlqInFlight && unit.due <= now) {
            due_.push_back(id);
        }
    }
    for (std::uint64_t id : due_) {
        auto it = units_.find(id);
        if (it == units_.end()) {
            continue;
        }
        if (it->second.phase == Phase::kRetryWait) {
            retry(it->second);
        } else {
            SendDeadLetters(it->second);
        }
    }
}

}  // namespace cosmic::kafka::runner_detail
