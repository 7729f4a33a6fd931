#pragma once
/// The metrics-consumer's state: job.metrics samples aggregated per job, sharded by job id so
/// partition handlers on different threads and HTTP readers rarely meet on one lock. Bounded
/// by max_jobs (LRU eviction per shard) and a TTL sweep (ClearOldMetrics); duplicate samples
/// (same event_id within the dedupe window) are counted once.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "cosmic/metrics_consumer/job_shard.hpp"
#include "cosmic/metrics_consumer/job_snapshot.hpp"
#include "cosmic/schema/event.hpp"

namespace prometheus {
class Counter;
}

namespace cosmic::metrics {

/// Unix ms from the kernel's coarse clock (a few ms resolution at a fraction of the cost of
/// CLOCK_REALTIME): the per-sample receive time, where TTL and updated_at need no finer grain.
std::int64_t CoarseNowMs() noexcept;

struct AggregatorOptions {
    std::size_t max_jobs = 100'000;       ///< split evenly over the shards (never exceeded)
    std::size_t dedupe_window = 100'000;  ///< event ids remembered, split over the shards; 0 = off
    std::size_t shards = 16;              ///< clamped to [1, max_jobs]
};

/// Prometheus counters bumped as things happen; any may be null.
struct AggregatorMetrics {
    prometheus::Counter* duplicates = nullptr;
    prometheus::Counter* evicted_lru = nullptr;
    prometheus::Counter* evicted_ttl = nullptr;
};

struct AggregatorTotals {
    std::size_t jobs = 0;
    std::size_t max_jobs = 0;
    std::uint64_t samples = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t evicted_lru = 0;
    std::uint64_t evicted_ttl = 0;
};

enum class AddStatus : std::uint8_t { kAdded, kDuplicate };

class JobAggregator {
  public:
    explicit JobAggregator(AggregatorOptions options = {}, AggregatorMetrics metrics = {});
    ~JobAggregator();
    JobAggregator(const JobAggregator&) = delete;
    JobAggregator& operator=(const JobAggregator&) = delete;

    /// Aggregates one validated job.metrics event received at `now_ms` (Unix ms; TTL basis).
    /// Thread-safe; samples of one job are applied in call order.
    AddStatus Add(const schema::Event& event, std::int64_t now_ms);

    /// The job's aggregates, nullopt when not tracked.
    std::optional<JobSnapshot> Get(std::string_view job_id) const;

    /// clear_old_metrics: drops jobs without a sample since `now_ms - ttl`; returns how many.
    /// A ttl <= 0 keeps everything.
    std::size_t ClearOldMetrics(std::int64_t now_ms, std::chrono::milliseconds ttl);

    /// The `n` jobs with the highest average cpu_percent or peak memory_mb, highest first;
    /// only `user`'s jobs when `user` is not empty.
    std::vector<TopEntry> Top(TopBy by, std::size_t n, std::string_view user = {}) const;

    AggregatorTotals Totals() const;

    /// While on, Add marks jobs as changed for TakeChanged (off costs nothing per sample).
    void SetChangeTracking(bool on) noexcept;
    /// Snapshots of the jobs changed since the previous call that `wanted` accepts.
    std::vector<JobSnapshot> TakeChanged(const DirtyFilter& wanted);

    std::size_t ShardCount() const noexcept { return shards_.size(); }

  private:
    struct alignas(64) Shard {
        Shard(std::size_t max_jobs, std::size_t dedupe_window) : jobs(max_jobs, dedupe_window) {}
        mutable std::mutex mutex;
        JobShard jobs;
    };
    Shard& ShardFor(std::uint64_t job_hash) const noexcept;

    AggregatorOptions options_;
    AggregatorMetrics metrics_;
    std::vector<std::unique_ptr<Shard>> shards_;
    std::atomic<bool> track_changes_{false};
};

}  // namespace cosmic::metrics
