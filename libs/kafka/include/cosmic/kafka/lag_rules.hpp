#pragma once
/// Burrow's consumer-lag evaluation (linkedin/Burrow v1.3.7 to v1.9.5: the in-memory storage window and
/// the caching evaluator's rules), as pure, deterministic logic. No clock is read and no client is used:
/// callers pass every time in milliseconds. health-monitor feeds one GroupLag snapshot per poll into a
/// GroupLagEvaluator and publishes the result; `cosmicctl lag` can do the same for one-off reads.
///
/// Memory is fixed per partition: two rings of `intervals` entries (commits and broker offsets).

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/kafka/group_lag.hpp"

namespace cosmic::kafka {

/// Burrow's status codes (core/protocol/evaluator.go); the numbers are what
/// `cosmic_consumergroup_status` exports and what deploy/prometheus/rules.yml compares against.
enum class LagStatus : int {
    kNotFound = 0,
    kOk = 1,
    kWarn = 2,
    kErr = 3,
    kStop = 4,
    kStall = 5,
    kRewind = 6,
};

/// "NOTFOUND", "OK", "WARN", "ERR", "STOP", "STALL", "REWIND" (Burrow's spelling).
std::string_view ToString(LagStatus status) noexcept;

/// Window and evaluator settings. Names follow Burrow's `[storage]` / `[evaluator]` keys.
struct LagWindowOptions {
    /// Ring size for commits and for broker offsets (Burrow `intervals`).
    std::size_t intervals = 10;
    /// A commit less than this after the newest stored one overwrites it and keeps the older
    /// timestamp (Burrow `min-distance`, there in seconds).
    std::int64_t min_distance_ms = 1000;
    /// Lag at or below this counts as caught up (Burrow `allowed-lag`).
    std::int64_t allowed_lag = 0;
    /// Rules run only when the stored fraction of the ring is at least this (Burrow `minimum-complete`).
    double minimum_complete = 0.0;
    /// Commits older than this are dropped; a group whose last commit is older is NOTFOUND
    /// (Burrow `expire-group`, there in seconds).
    std::int64_t expire_group_ms = 7LL * 24 * 60 * 60 * 1000;

    /// Throws std::invalid_argument naming the offending field: intervals 1..100000, min_distance_ms >= 0,
    /// allowed_lag >= 0, minimum_complete in [0, 1], expire_group_ms > 0.
    void Validate() const;
};

/// One stored commit.
struct CommitSample {
    std::int64_t offset = 0;
    /// Commit time. After a min-distance merge this stays the older commit's time.
    std::int64_t timestamp_ms = 0;
    /// Time of the newest observation stored in this slot; the ordering key (Burrow's `order`).
    std::int64_t observed_at_ms = 0;
    /// Latest broker offset minus `offset` (>= 0) when the commit was appended; nullopt ("nil") when it
    /// was inserted out of order, because the broker offset it would be measured against is newer.
    std::optional<std::int64_t> lag;

    friend bool operator==(const CommitSample&, const CommitSample&) = default;
};

/// What AddCommit did with a commit.
enum class CommitInsert {
    kAppended,          ///< newest commit: stored after the others (evicting the oldest when full), lag set
    kMerged,            ///< newest commit within min-distance of the one before: overwrote it, lag set
    kInserted,          ///< older than the newest stored commit: inserted in order, lag nil
    kInsertedMerged,    ///< inserted out of order within min-distance of its predecessor: overwrote it, lag nil
    kDroppedDuplicate,  ///< a stored commit has the same observation time
    kDroppedBackfill,   ///< the ring is full and the commit is older than everything in it
    kDroppedExpired,    ///< older than expire_group_ms at `now_ms`
    kDroppedNoBroker,   ///< no broker offset stored yet, so its lag cannot be computed
};

/// Result of evaluating one partition.
struct PartitionEvaluation {
    std::string topic;           ///< set by GroupLagEvaluator (empty from PartitionLagWindow::Evaluate)
    std::int32_t partition = 0;  ///< set by GroupLagEvaluator
    LagStatus status = LagStatus::kOk;
    /// Newest broker offset minus the newest stored commit, >= 0; 0 with no commit or broker offset.
    std::int64_t current_lag = 0;
    /// Stored commits / intervals (Burrow's `complete`); 0 with no commit.
    double complete = 0.0;
    std::optional<CommitSample> start;  ///< oldest stored commit
    std::optional<CommitSample> end;    ///< newest stored commit
};

/// The last `intervals` commits and broker offsets of one partition, with Burrow's insertion rules.
class PartitionLagWindow {
  public:
    /// Throws std::invalid_argument (options.Validate()).
    explicit PartitionLagWindow(const LagWindowOptions& options);

    /// Stores a broker offset (the partition's high watermark). Always appended; the oldest is evicted
    /// when the ring is full.
    void AddBrokerOffset(std::int64_t high_watermark);

    /// Stores a committed offset first seen at `time_ms` (commit time and ordering key). `now_ms` is
    /// only used to drop commits older than expire_group_ms.
    CommitInsert AddCommit(std::int64_t offset, std::int64_t time_ms, std::int64_t now_ms);

    /// Burrow's partition rules at `now_ms` (see README "Lag evaluation").
    PartitionEvaluation Evaluate(std::int64_t now_ms) const;

    /// Forgets every stored commit (an expired group); broker offsets are kept.
    void ClearCommits() noexcept;

    /// Number of stored commits (0..intervals).
    std::size_t CommitCount() const noexcept { return commit_count_; }
    /// Stored commit `index`, 0 = oldest. Precondition: index < CommitCount().
    const CommitSample& Commit(std::size_t index) const noexcept;
    /// Stored broker offsets, oldest first.
    std::vector<std::int64_t> BrokerOffsets() const;
    /// Newest broker offset minus newest commit, >= 0 (0 when either is missing).
    std::int64_t CurrentLag() const noexcept;
    const LagWindowOptions& Options() const noexcept { return options_; }

  private:
    std::size_t Physical(std::size_t index) const noexcept { return (commit_head_ + index) % commits_.size(); }
    void InsertAt(std::size_t index, const CommitSample& sample);

    LagWindowOptions options_;
    std::vector<CommitSample> commits_;  ///< ring, fixed size `intervals`
    std::size_t commit_head_ = 0;        ///< physical index of the oldest commit
    std::size_t commit_count_ = 0;
    std::vector<std::int64_t> brokers_;  ///< ring, fixed size `intervals`
    std::size_t broker_next_ = 0;        ///< physical index the next broker offset goes to
    std::size_t broker_count_ = 0;
};

/// Result of evaluating one group.
struct GroupEvaluation {
    std::string group;
    /// Worst partition status with STOP, STALL and REWIND folded into ERR; NOTFOUND when the group has
    /// no stored commit or its last commit is older than expire_group_ms.
    LagStatus status = LagStatus::kNotFound;
    /// Fraction of partitions whose complete == 1.0 (Burrow reports 1.0 for NOTFOUND).
    double complete = 1.0;
    std::int64_t total_lag = 0;                   ///< sum of current_lag
    std::optional<PartitionEvaluation> max_lag;   ///< first partition with the highest current_lag
    std::vector<PartitionEvaluation> partitions;  ///< ordered by topic, then partition; keeps STOP/STALL/REWIND
};

/// Windows for every (topic, partition) of one group, fed one snapshot per poll. Not thread-safe:
/// one poller owns it.
class GroupLagEvaluator {
  public:
    /// Throws std::invalid_argument (options.Validate()).
    GroupLagEvaluator(std::string group, const LagWindowOptions& options);

    /// Records a snapshot read at `time_ms`: each partition's high watermark as a broker offset, then
    /// its committed offset (when there is one) as a commit at `time_ms`. Partitions missing from the
    /// snapshot are forgotten.
    void Observe(const GroupLag& snapshot, std::int64_t time_ms);

    /// Evaluates every partition at `now_ms`. Lazily forgets an expired group (like Burrow's storage),
    /// which is why this is not const.
    GroupEvaluation Evaluate(std::int64_t now_ms);

    const std::string& Group() const noexcept { return group_; }
    std::size_t PartitionCount() const noexcept { return windows_.size(); }
    /// Time of the last appended commit across all partitions; nullopt before the first.
    std::optional<std::int64_t> LastCommitMs() const noexcept { return last_commit_ms_; }

  private:
    struct Slot {
        PartitionLagWindow window;
        std::uint64_t seen = 0;  ///< Observe generation that last named this partition
    };
    using Key = std::pair<std::string, std::int32_t>;
    /// Orders Key and (string_view, partition) alike, so a poll looks partitions up without allocating.
    struct KeyLess {
        using is_transparent = void;
        template <typename A, typename B>
        bool operator()(const A& a, const B& b) const noexcept {
            const int by_topic = std::string_view(a.first).compare(std::string_view(b.first));
            return by_topic < 0 || (by_topic == 0 && a.second < b.second);
        }
    };

    std::string group_;
    LagWindowOptions options_;
    std::map<Key, Slot, KeyLess> windows_;
    std::optional<std::int64_t> last_commit_ms_;
    std::uint64_t generation_ = 0;
};

}  // namespace cosmic::kafka
