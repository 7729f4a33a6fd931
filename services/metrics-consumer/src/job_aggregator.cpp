#include "cosmic/metrics_consumer/job_aggregator.hpp"

#include <prometheus/counter.h>
#include <time.h>

#include <algorithm>

#include "cosmic/metrics_consumer/hash.hpp"

namespace cosmic::metrics {

std::int64_t CoarseNowMs() noexcept {
    timespec now{};
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

JobAggregator::JobAggregator(AggregatorOptions options, AggregatorMetrics metrics)
    : options_(options), metrics_(metrics) {
    options_.max_jobs = std::max<std::size_t>(options_.max_jobs, 1);
    options_.shards = std::clamp<std::size_t>(options_.shards, 1, options_.max_jobs);
    const std::size_t per_shard_jobs = options_.max_jobs / options_.shards;
    const std::size_t per_shard_window = (options_.dedupe_window + options_.shards - 1) / options_.shards;
    shards_.reserve(options_.shards);
    for (std::size_t i = 0; i < options_.shards; ++i) {
        shards_.push_back(std::make_unique<Shard>(per_shard_jobs, per_shard_window));
    }
}

JobAggregator::~JobAggregator() = default;

JobAggregator::Shard& JobAggregator::ShardFor(std::uint64_t job_hash) const noexcept {
    // The high bits pick the shard; the shard's index uses the low bits.
    return *shards_[(job_hash >> 40) % shards_.size()];
}

AddStatus JobAggregator::Add(const schema::Event& event, std::int64_t now_ms) {
    const std::uint64_t job_hash = Hash64(event.job_id);
    // The same event always carries the same job id, so a per-shard window sees every copy.
    const std::uint64_t event_hash = Hash64(event.event_id);
    Shard& shard = ShardFor(job_hash);
    JobShard::AddResult result;
    {
        std::lock_guard lock(shard.mutex);
        result = shard.jobs.Add(event, job_hash, event_hash, now_ms, track_changes_.load(std::memory_order_relaxed));
    }
    if (result.duplicate) {
        if (metrics_.duplicates != nullptr) metrics_.duplicates->Increment();
        return AddStatus::kDuplicate;
    }
    if (result.evicted && metrics_.evicted_lru != nullptr) metrics_.evicted_lru->Increment();
    return AddStatus::kAdded;
}

std::optional<JobSnapshot> JobAggregator::Get(std::string_view job_id) const {
    const std::uint64_t job_hash = Hash64(job_id);
    Shard& shard = ShardFor(job_hash);
    JobSnapshot snapshot;
    std::lock_guard lock(shard.mutex);
    if (!shard.jobs.Snapshot(job_id, job_hash, snapshot)) return std::nullopt;
    return snapshot;
}

std::size_t JobAggregator::ClearOldMetrics(std::int64_t now_ms, std::chrono::milliseconds ttl) {
    if (ttl.count() <= 0) return 0;
    const std::int64_t cutoff = now_ms - ttl.count();
    std::size_t expired = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        expired += shard->jobs.ExpireBefore(cutoff);
    }
    if (expired > 0 && metrics_.evicted_ttl != nullptr) metrics_.evicted_ttl->Increment(static_cast<double>(expired));
    return expired;
}

std::vector<TopEntry> JobAggregator::Top(TopBy by, std::size_t n, std::string_view user) const {
    std::vector<TopEntry> heap;
    heap.reserve(n);
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        shard->jobs.CollectTop(by, n, user, heap);
    }
    std::sort(heap.begin(), heap.end(), [](const TopEntry& a, const TopEntry& b) {
        return a.value != b.value ? a.value > b.value : a.job_id < b.job_id;
    });
    return heap;
}

AggregatorTotals JobAggregator::Totals() const {
    AggregatorTotals totals;
    totals.max_jobs = options_.max_jobs;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        const ShardCounters& counters = shard->jobs.Counters();
        totals.jobs += shard->jobs.Size();
        totals.samples += counters.samples;
        totals.duplicates += counters.duplicates;
        totals.evicted_lru += counters.evicted_lru;
        totals.evicted_ttl += counters.evicted_ttl;
    }
    return totals;
}

void JobAggregator::SetChangeTracking(bool on) noexcept { track_changes_.store(on, std::memory_order_relaxed); }

std::vector<JobSnapshot> JobAggregator::TakeChanged(const DirtyFilter& wanted) {
    std::vector<JobSnapshot> changed;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard->mutex);
        shard->jobs.TakeDirty(wanted, changed);
    }
    return changed;
}

}  // namespace cosmic::metrics
