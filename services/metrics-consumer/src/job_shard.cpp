#include "cosmic/metrics_consumer/job_shard.hpp"

#include <algorithm>
#include <bit>

namespace cosmic::metrics {

JobShard::JobShard(std::size_t max_jobs, std::size_t dedupe_window)
    : max_jobs_(std::max<std::size_t>(max_jobs, 1)), dedupe_(dedupe_window) {}

JobShard::AddResult JobShard::Add(const schema::Event& event, std::uint64_t job_hash, std::uint64_t event_hash,
                                  std::int64_t now_ms, bool track_dirty) {
    AddResult result;
    // The index probe below is a likely cache miss, as is the dedupe check: start the first
    // while the second runs.
    if (!index_.empty()) {
        __builtin_prefetch(&index_[job_hash & (index_.size() - 1)]);
    }
    if (dedupe_.CheckAndInsert(event_hash)) {
        ++counters_.duplicates;
        result.duplicate = true;
        return result;
    }
    std::uint32_t slot = Find(event.job_id, job_hash);
    if (slot == kNil) {
        if (live_ >= max_jobs_) {
            Evict(tail_);
            ++counters_.evicted_lru;
            result.evicted = true;
        }
        slot = Create(event.job_id, job_hash);
    }

    Node& node = At(slot);
    const bool first = node.samples == 0;
    const schema::MetricsSample& sample = event.sample;
    const auto execution_ms = static_cast<double>(sample.execution_time_ms);
    node.cpu_percent.Add(sample.cpu_percent, first);
    node.memory_mb.Add(sample.memory_mb, first);
    node.io_read_mb.Add(sample.io_read_mb, first);
    node.io_write_mb.Add(sample.io_write_mb, first);
    node.execution_time_ms.Add(execution_ms, first);
    node.execution_sketch.Add(execution_ms);
    ++node.samples;
    if (first) {
        node.first_seen_ms = node.last_seen_ms = event.occurred_at_ms;
    } else {
        node.first_seen_ms = std::min(node.first_seen_ms, event.occurred_at_ms);
        node.last_seen_ms = std::max(node.last_seen_ms, event.occurred_at_ms);
    }
    if (first || now_ms - node.linked_ms >= kRelinkIntervalMs || now_ms < node.linked_ms) {
        // linked_ms stays non-increasing from head to tail even if the wall clock steps back,
        // and updated_ms is within kRelinkIntervalMs after it, so the TTL sweep may stop at the
        // first job that is young enough.
        node.linked_ms = head_ == kNil ? now_ms : std::max(now_ms, At(head_).linked_ms);
        if (slot != head_) {
            if (!first) Unlink(slot);
            LinkFront(slot);
        }
    }
    node.updated_ms = std::max(now_ms, node.linked_ms);
    // A system sample without a user does not take the job away from its owner.
    if (!event.user_id.empty() && users_.Name(node.user) != event.user_id) {
        const std::uint32_t user = users_.Acquire(event.user_id);
        users_.Release(node.user);
        node.user = user;
    }

    if (track_dirty) {
        node.dirty = true;
        if (!node.queued) {
            node.queued = true;
            dirty_.push_back(slot);
        }
    }
    ++counters_.samples;
    return result;
}

bool JobShard::Snapshot(std::string_view job_id, std::uint64_t job_hash, JobSnapshot& out) const {
    const std::uint32_t slot = Find(job_id, job_hash);
    if (slot == kNil) return false;
    CopyOut(At(slot), out);
    return true;
}

std::size_t JobShard::ExpireBefore(std::int64_t cutoff_ms) {
    std::size_t expired = 0;
    while (tail_ != kNil && At(tail_).updated_ms < cutoff_ms) {
        Evict(tail_);
        ++expired;
    }
    counters_.evicted_ttl += expired;
    return expired;
}

void JobShard::CollectTop(TopBy by, std::size_t n, std::string_view user, std::vector<TopEntry>& heap) const {
    if (n == 0) return;
    const auto smaller_first = [](const TopEntry& a, const TopEntry& b) { return a.value > b.value; };
    for (std::uint32_t slot = 0; slot < allocated_; ++slot) {
        const Node& node = At(slot);
        if (!node.live) continue;
        if (!user.empty() && users_.Name(node.user) != user) continue;
        const double cpu_avg = node.cpu_percent.Average(node.samples);
        const double memory_max = node.memory_mb.max;
        const double value = by == TopBy::kCpu ? cpu_avg : memory_max;
        if (heap.size() >= n) {
            if (value <= heap.front().value) continue;
            std::pop_heap(heap.begin(), heap.end(), smaller_first);
            heap.pop_back();
        }
        heap.push_back(TopEntry{std::string(node.job_id.View()), std::string(users_.Name(node.user)), node.samples,
                                cpu_avg, memory_max, value});
        std::push_heap(heap.begin(), heap.end(), smaller_first);
    }
}

void JobShard::TakeDirty(const DirtyFilter& wanted, std::vector<JobSnapshot>& out) {
    for (const std::uint32_t slot : dirty_) {
        Node& node = At(slot);
        node.queued = false;
        if (!node.live || !node.dirty) continue;
        node.dirty = false;
        if (wanted && !wanted(node.job_id.View(), users_.Name(node.user))) continue;
        out.emplace_back();
        CopyOut(node, out.back());
    }
    dirty_.clear();
}

std::uint32_t JobShard::Find(std::string_view job_id, std::uint64_t hash) const noexcept {
    if (index_.empty()) return kNil;
    const std::size_t mask = index_.size() - 1;
    for (std::size_t i = hash & mask; index_[i] != kNil; i = (i + 1) & mask) {
        const Node& node = At(index_[i]);
        if (node.hash == static_cast<std::uint32_t>(hash) && node.job_id.View() == job_id) return index_[i];
    }
    return kNil;
}

std::uint32_t JobShard::Create(std::string_view job_id, std::uint64_t hash) {
    std::uint32_t slot;
    if (!free_.empty()) {
        slot = free_.back();
        free_.pop_back();
    } else {
        if (allocated_ % kChunkNodes == 0) chunks_.push_back(std::make_unique<Chunk>());
        slot = allocated_++;
    }
    Node& node = At(slot);
    node.job_id.Assign(job_id);
    node.hash = static_cast<std::uint32_t>(hash);
    node.samples = 0;
    node.first_seen_ms = node.last_seen_ms = node.updated_ms = node.linked_ms = 0;
    node.cpu_percent = node.memory_mb = node.io_read_mb = node.io_write_mb = node.execution_time_ms = FieldStats{};
    node.execution_sketch = JobSketch{};
    node.user = UserPool::kNone;
    node.live = true;
    node.dirty = false;
    IndexInsert(slot);
    ++live_;
    return slot;
}

void JobShard::Evict(std::uint32_t slot) {
    Node& node = At(slot);
    Unlink(slot);
    IndexErase(slot);
    users_.Release(node.user);
    node.user = UserPool::kNone;
    node.live = false;
    node.dirty = false;
    free_.push_back(slot);
    --live_;
}

void JobShard::IndexInsert(std::uint32_t slot) {
    if ((live_ + 1) * 2 > index_.size()) GrowIndex();
    const std::size_t mask = index_.size() - 1;
    std::size_t i = At(slot).hash & mask;
    while (index_[i] != kNil) i = (i + 1) & mask;
    index_[i] = slot;
}

void JobShard::IndexErase(std::uint32_t slot) {
    const std::size_t mask = index_.size() - 1;
    std::size_t hole = At(slot).hash & mask;
    while (index_[hole] != slot) hole = (hole + 1) & mask;
    // Backward-shift deletion: no tombstones, so lookups never degrade under churn.
    for (std::size_t next = (hole + 1) & mask; index_[next] != kNil; next = (next + 1) & mask) {
        const std::size_t home = At(index_[next]).hash & mask;
        const bool home_in_gap = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (!home_in_gap) {
            index_[hole] = index_[next];
            hole = next;
        }
    }
    index_[hole] = kNil;
}

void JobShard::GrowIndex() {
    const std::size_t size = std::max<std::size_t>(16, index_.size() * 2);
    std::vector<std::uint32_t> old(size, kNil);
    old.swap(index_);
    const std::size_t mask = size - 1;
    for (const std::uint32_t slot : old) {
        if (slot == kNil) continue;
        std::size_t i = At(slot).hash & mask;
        while (index_[i] != kNil) i = (i + 1) & mask;
        index_[i] = slot;
    }
}

void JobShard::LinkFront(std::uint32_t slot) noexcept {
    Node& node = At(slot);
    node.prev = kNil;
    node.next = head_;
    if (head_ != kNil) At(head_).prev = slot;
    head_ = slot;
    if (tail_ == kNil) tail_ = slot;
}

void JobShard::Unlink(std::uint32_t slot) noexcept {
    Node& node = At(slot);
    if (node.prev != kNil) {
        At(node.prev).next = node.next;
    } else {
        head_ = node.next;
    }
    if (node.next != kNil) {
        At(node.next).prev = node.prev;
    } else {
        tail_ = node.prev;
    }
    node.prev = node.next = kNil;
}

void JobShard::CopyOut(const Node& node, JobSnapshot& out) const {
    out.job_id = node.job_id.View();
    out.user_id = users_.Name(node.user);
    out.samples = node.samples;
    out.first_seen_ms = node.first_seen_ms;
    out.last_seen_ms = node.last_seen_ms;
    out.updated_ms = node.updated_ms;
    out.cpu_percent = node.cpu_percent;
    out.memory_mb = node.memory_mb;
    out.io_read_mb = node.io_read_mb;
    out.io_write_mb = node.io_write_mb;
    out.execution_time_ms = node.execution_time_ms;
    out.execution_p50_ms = node.execution_sketch.Quantile(0.50);
    out.execution_p95_ms = node.execution_sketch.Quantile(0.95);
    out.execution_p99_ms = node.execution_sketch.Quantile(0.99);
}

}  // namespace cosmic::metrics
