#pragma once
// The runner's metric handles, created once per table topic / event type / outcome so the
// consumer thread never looks a metric family up per record.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cosmic/kafka/runner.hpp"
#include "cosmic/schema/topics.hpp"

namespace cosmic::kafka::runner_detail {

/// outcome label values of cosmic_events_consumed_total.
enum class Counted : std::uint8_t { kOk, kRetry, kDeadLetter, kSkipped, kInvalid };
inline constexpr std::size_t kCountedValues = 5;

/// The consumed counters of one (topic, event_type). Increments are counted on the consumer
/// thread and handed to prometheus once per loop turn (Flush): one atomic add per counter per
/// turn instead of one per record.
struct OutcomeCounters {
    std::array<prometheus::Counter*, kCountedValues> by_outcome{};
    mutable std::array<std::uint32_t, kCountedValues> pending{};
    mutable bool dirty = false;

    void Increment(Counted counted) const noexcept {
        ++pending[static_cast<std::size_t>(counted)];
        dirty = true;
    }
    void Flush() const;
};

/// Histogram observations collected on the consumer thread and handed to prometheus once per
/// loop turn (ObserveMultiple), instead of a locked Observe per record.
class BufferedHistogram {
  public:
    BufferedHistogram(prometheus::Histogram& target, const prometheus::Histogram::BucketBoundaries& bounds);
    void Observe(double value) noexcept;
    void Flush();

  private:
    prometheus::Histogram& target_;
    const prometheus::Histogram::BucketBoundaries& bounds_;
    std::vector<double> counts_;
    double sum_ = 0;
    bool pending_ = false;
};

class TopicMetrics {
  public:
    TopicMetrics(const schema::TopicSpec& spec, prometheus::Family<prometheus::Counter>& consumed,
                 prometheus::Family<prometheus::Counter>& retries, prometheus::Family<prometheus::Counter>& dlq,
                 prometheus::Family<prometheus::Histogram>& processing, prometheus::Family<prometheus::Histogram>& age);

    /// The counters of a known event type of the topic, else those labelled "unknown".
    const OutcomeCounters& For(std::string_view event_type) const;
    const OutcomeCounters& Unknown() const noexcept { return unknown_; }
    /// Hands the buffered counts and histogram observations to prometheus.
    void Flush();

    prometheus::Counter& retries;
    prometheus::Counter& dlq;
    BufferedHistogram processing;
    BufferedHistogram age;

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
    };
    std::unordered_map<std::string, OutcomeCounters, Hash, std::equal_to<>> by_type_;
    OutcomeCounters unknown_;
};

/// Runner::Counts(): counted on the consumer thread in plain integers and published to relaxed
/// atomics once per loop turn (Flush), as the prometheus counters are, so a record costs an add
/// and the readers (heartbeats, any thread) a few atomic loads.
class RunnerTally {
  public:
    void Handled(std::size_t records) noexcept { pending_.handled += records; }
    void Skipped(std::size_t records) noexcept { pending_.skipped += records; }
    void Invalid(std::size_t records) noexcept { pending_.invalid += records; }
    void Failed() noexcept { ++pending_.failed; }
    void Retried() noexcept { ++pending_.retried; }
    void DeadLettered(std::size_t records) noexcept { pending_.dead_lettered += records; }

    /// Consumer thread: publishes what was counted since the last call.
    void Flush() noexcept;
    /// Any thread.
    RunnerCounts Snapshot() const noexcept;

  private:
    RunnerCounts pending_;  ///< consumer thread only
    // Written once per loop turn, read by other threads: kept off the consumer thread's lines.
    alignas(64) std::atomic<std::uint64_t> handled_{0};
    std::atomic<std::uint64_t> skipped_{0};
    std::atomic<std::uint64_t> invalid_{0};
    std::atomic<std::uint64_t> failed_{0};
    std::atomic<std::uint64_t> retried_{0};
    std::atomic<std::uint64_t> dead_lettered_{0};
};

/// The families, registered once per runner (prometheus-cpp merges same-name families).
struct RunnerFamilies {
    explicit RunnerFamilies(prometheus::Registry& registry);

    prometheus::Family<prometheus::Counter>& consumed;
    prometheus::Family<prometheus::Counter>& retries;
    prometheus::Family<prometheus::Counter>& dlq;
    prometheus::Family<prometheus::Histogram>& processing;
    prometheus::Family<prometheus::Histogram>& age;
    prometheus::Family<prometheus::Gauge>& lag;
};

}  // namespace cosmic::kafka::runner_detail
