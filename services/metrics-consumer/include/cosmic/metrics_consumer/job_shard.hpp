#pragma once
/// One shard of the job table: per-job aggregates in a slab of fixed-size nodes, an
/// open-addressing index by job id, an intrusive LRU list (head = most recently updated), the
/// shard's dedupe window and its list of jobs changed since the last WebSocket flush.
/// Not thread-safe: JobAggregator serializes access with the shard's mutex.

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/metrics_consumer/dedupe_window.hpp"
#include "cosmic/metrics_consumer/job_id.hpp"
#include "cosmic/metrics_consumer/job_snapshot.hpp"
#include "cosmic/metrics_consumer/quantile_sketch.hpp"
#include "cosmic/metrics_consumer/running_stats.hpp"
#include "cosmic/metrics_consumer/user_pool.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::metrics {

struct ShardCounters {
    std::uint64_t samples = 0;  ///< aggregated (not duplicates)
    std::uint64_t duplicates = 0;
    std::uint64_t evicted_lru = 0;
    std::uint64_t evicted_ttl = 0;
};

/// Chooses which changed jobs a WebSocket flush wants: (job_id, user_id) -> wanted.
using DirtyFilter = std::function<bool(std::string_view, std::string_view)>;

class JobShard {
  public:
    /// A job updated again within this long of its last move to the LRU head is not moved
    /// again: a burst of samples then costs no list relinking. LRU order and TTL expiry are
    /// therefore exact to within this interval.
    static constexpr std::int64_t kRelinkIntervalMs = 1000;

    /// At most `max_jobs` (>= 1) jobs; `dedupe_window` event ids remembered (0 = off).
    JobShard(std::size_t max_jobs, std::size_t dedupe_window);

    struct AddResult {
        bool duplicate = false;
        bool evicted = false;  ///< the least recently updated job made room
    };
    /// Aggregates a validated job.metrics sample. `now_ms` is the receive time (TTL basis);
    /// `track_dirty` queues the job for the next WebSocket flush.
    AddResult Add(const schema::Event& event, std::uint64_t job_hash, std::uint64_t event_hash, std::int64_t now_ms,
                  bool track_dirty);

    /// Copies the job's state into `out`; false when the job is not tracked.
    bool Snapshot(std::string_view job_id, std::uint64_t job_hash, JobSnapshot& out) const;

    /// Drops jobs last updated before `cutoff_ms`, walking from the LRU tail: O(expired).
    std::size_t ExpireBefore(std::int64_t cutoff_ms);

    /// Offers every job (of `user`, or all when `user` is empty) to `heap`, a min-heap on
    /// TopEntry::value of at most `n` entries.
    void CollectTop(TopBy by, std::size_t n, std::string_view user, std::vector<TopEntry>& heap) const;

    /// Appends snapshots of the jobs changed since the last call that `wanted` accepts, and
    /// forgets the change marks of all of them.
    void TakeDirty(const DirtyFilter& wanted, std::vector<JobSnapshot>& out);

    std::size_t Size() const noexcept { return live_; }
    std::size_t MaxJobs() const noexcept { return max_jobs_; }
    const ShardCounters& Counters() const noexcept { return counters_; }

  private:
    static constexpr std::uint32_t kNil = UINT32_MAX;
    static constexpr std::size_t kChunkNodes = 64;

    // One node per job. The fields the index probe, an LRU relink of a neighbour and the TTL
    // sweep touch come first, so those touch one or two cache lines of a node.
    struct Node {
        std::uint32_t hash = 0;     // low half of the job hash: the index's probe key
        std::uint32_t samples = 0;  // 4e9 samples = 136 years at one per second
        std::uint32_t prev = kNil;
        std::uint32_t next = kNil;
        std::int64_t updated_ms = 0;  // last sample's receive time
        std::int64_t linked_ms = 0;   // when the node last moved to the LRU head
        std::uint32_t user = UserPool::kNone;
        bool live = false;
        bool dirty = false;   // changed since the last flush
        bool queued = false;  // its slot is in dirty_ (at most once)
        JobId job_id;         // assigned once per job
        std::int64_t first_seen_ms = 0;
        std::int64_t last_seen_ms = 0;
        FieldStats cpu_percent;
        FieldStats memory_mb;
        FieldStats io_read_mb;
        FieldStats io_write_mb;
        FieldStats execution_time_ms;
        JobSketch execution_sketch;
    };
    using Chunk = std::array<Node, kChunkNodes>;

    Node& At(std::uint32_t slot) noexcept { return (*chunks_[slot / kChunkNodes])[slot % kChunkNodes]; }
    const Node& At(std::uint32_t slot) const noexcept { return (*chunks_[slot / kChunkNodes])[slot % kChunkNodes]; }

    std::uint32_t Find(std::string_view job_id, std::uint64_t hash) const noexcept;
    std::uint32_t Create(std::string_view job_id, std::uint64_t hash);
    void Evict(std::uint32_t slot);
    void IndexInsert(std::uint32_t slot);
    void IndexErase(std::uint32_t slot);
    void GrowIndex();
    void LinkFront(std::uint32_t slot) noexcept;
    void Unlink(std::uint32_t slot) noexcept;
    void CopyOut(const Node& node, JobSnapshot& out) const;

    std::size_t max_jobs_;
    std::size_t live_ = 0;
    std::vector<std::unique_ptr<Chunk>> chunks_;
    std::uint32_t allocated_ = 0;       // slots ever handed out (high-water mark)
    std::vector<std::uint32_t> free_;   // evicted slots, reused first
    std::vector<std::uint32_t> index_;  // open addressing on Node::hash, load <= 0.5
    std::uint32_t head_ = kNil;         // most recently updated
    std::uint32_t tail_ = kNil;         // least recently updated
    DedupeWindow dedupe_;
    UserPool users_;
    std::vector<std::uint32_t> dirty_;
    ShardCounters counters_;
};

}  // namespace cosmic::metrics
