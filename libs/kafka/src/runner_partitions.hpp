#pragma once
// The runner's partition state: which partitions are assigned, which ones a held unit pauses,
// where fetching resumes, and the offsets stored for the next commit.
//
// Consumer thread only, except Assignment(): a snapshot other threads read under the table's
// own mutex (taken only when the assignment changes, never per record).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cosmic/kafka/runner.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "runner_types.hpp"

namespace cosmic::kafka::runner_detail {

struct PartitionState {
    bool assigned = false;
    bool paused = false;             ///< paused by the runner (a unit holds it)
    bool needs_seek = false;         ///< a record arrived while paused and was dropped
    std::uint64_t unit = 0;          ///< the unit holding the partition, 0 when flowing
    std::int64_t last_offset = -1;   ///< highest offset taken in since assignment
    std::int64_t stored_next = -1;   ///< offset stored for commit (next to consume), -1 none
    std::int64_t pending_next = -1;  ///< handled but not yet stored (FlushStores), -1 none
};

/// What to do with a freshly consumed record.
enum class Admission : std::uint8_t {
    kTake,         ///< in order on a flowing partition: handle it
    kNotAssigned,  ///< fetched before a revoke took effect; the new owner reads it
    kBlocked,      ///< its partition waits for a held unit; it is fetched again on resume
    kStale,        ///< a copy from before a seek
};

/// (topic index, partition)
using PartitionKey = std::pair<std::size_t, std::int32_t>;

class PartitionTable {
  public:
    /// `name` (for log lines) is read on the consumer thread only; both must outlive the table.
    PartitionTable(const TopicTable& topics, const std::string& name);

    /// The consumer the table pauses, seeks and stores offsets on (null before Start and
    /// after Shutdown).
    void Attach(rd_kafka_t* consumer) noexcept { consumer_ = consumer; }

    // ---- assignment ----
    /// Fresh state for each newly assigned partition of a consumed topic.
    void Assign(const rd_kafka_topic_partition_list_t& partitions);
    /// A revoked partition's state is cleared (also its stored offset).
    void Forget(PartitionKey key);
    bool Assigned(PartitionKey key) const noexcept;
    /// Publishes the assigned partitions for Assignment() and returns them, sorted.
    std::vector<TopicPartition> Publish();
    /// Any thread: the partitions Publish() last saw.
    std::vector<TopicPartition> Assignment() const;
    void ClearAssignment();

    // ---- intake ----
    /// Checks a consumed record against its partition; on kTake it is the partition's newest.
    /// Once per record, hence inline.
    Admission Admit(std::size_t topic, std::int32_t partition, std::int64_t offset) noexcept {
        PartitionState* state = Find(topic, partition);
        if (state == nullptr || !state->assigned) {
            return Admission::kNotAssigned;
        }
        if (state->unit != 0 || state->paused) {
            // A held record blocks its partition: later records must wait their turn. This one
            // was fetched before the pause took effect; seek back to it when the partition resumes.
            state->needs_seek = true;
            return Admission::kBlocked;
        }
        if (offset <= state->last_offset) {
            return Admission::kStale;
        }
        state->last_offset = offset;
        return Admission::kTake;
    }

    // ---- held units ----
    /// The partitions of `records` are held by `unit`: paused, so their later records wait.
    void Pause(std::span<const Held> records, std::uint64_t unit);
    /// `unit` is done: stores deferred offsets, then resumes its partitions right after the last
    /// record taken in (seeking there when a record was dropped while paused).
    void Resume(std::span<const Held> records, std::uint64_t unit);
    /// `unit` is given up without storing its offsets: its partitions rewind to its first
    /// records and resume (a partition is never left paused behind).
    void Rewind(std::span<const Held> records, std::uint64_t unit);

    // ---- offsets ----
    /// Stores offset + 1 of a finished record (deferred while a Deferred scope is open).
    void Store(const Held& held);
    /// Stores the offsets Store deferred, the highest per partition in one call (no-op when none).
    void FlushStores() noexcept;
    /// The stored offsets of the assigned partitions, of `only` those when given, for a commit.
    PartitionList StoredOffsets(const std::set<PartitionKey>* only = nullptr) const;

    // ---- offsets across a lost assignment (shutting down only) ----
    /// Keeps the stored offsets of `lost` partitions (called before they are forgotten): a
    /// stopping member whose final commit was refused with ILLEGAL_GENERATION rejoins, and the
    /// partitions the rejoin gives back are still its own to commit.
    void KeepLostOffsets(const std::set<PartitionKey>& lost);
    /// True while kept offsets wait for the rejoin's assignment.
    bool HoldsLostOffsets() const noexcept { return !kept_.empty(); }
    /// After Assign: kept offsets of re-assigned partitions become stored offsets again; the rest
    /// are dropped (another member owns those partitions now). Returns how many came back.
    std::size_t RestoreKeptOffsets();

    /// While one is open, Store only notes the offset and FlushStores stores them when it ends
    /// (also on an exception). Open only around work that cannot serve the consumer queue, so
    /// no rebalance callback sees an unstored offset.
    class Deferred {
      public:
        explicit Deferred(PartitionTable& table) noexcept : table_(table) { table_.defer_ = true; }
        ~Deferred() {
            table_.defer_ = false;
            table_.FlushStores();
        }
        Deferred(const Deferred&) = delete;
        Deferred& operator=(const Deferred&) = delete;

      private:
        PartitionTable& table_;
    };

  private:
    PartitionState* Find(std::size_t topic, std::int32_t partition) noexcept {
        auto& partitions = states_[topic];
        if (partition < 0 || static_cast<std::size_t>(partition) >= partitions.size()) {
            return nullptr;
        }
        return &partitions[static_cast<std::size_t>(partition)];
    }
    const PartitionState* Find(std::size_t topic, std::int32_t partition) const noexcept {
        return const_cast<PartitionTable*>(this)->Find(topic, partition);
    }

    const TopicTable& topics_;
    const std::string& name_;
    rd_kafka_t* consumer_ = nullptr;
    std::vector<std::vector<PartitionState>> states_;  ///< [topic index][partition id]
    bool defer_ = false;
    std::vector<PartitionKey> pending_;          ///< partitions with a pending_next
    std::map<PartitionKey, std::int64_t> kept_;  ///< KeepLostOffsets: next offset per lost partition
    telemetry::RateLimiter offset_log_{std::chrono::seconds(5)};

    mutable std::mutex snapshot_mutex_;
    std::vector<TopicPartition> assignment_;  ///< under snapshot_mutex_
};

}  // namespace cosmic::kafka::runner_detail
