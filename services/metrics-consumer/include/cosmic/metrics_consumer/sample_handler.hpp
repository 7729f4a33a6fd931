#pragma once
/// What the consumer does with one job.metrics event: check the domain rules, then aggregate it
/// with its receive time. Runs on the runner's thread; the counters may be read from any.

#include <atomic>
#include <cstdint>
#include <string_view>

#include "cosmic/kafka/outcome.hpp"
#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/schema/event.hpp"

namespace prometheus {
class Counter;
}

namespace cosmic::metrics {

/// Unix ms from the kernel's coarse clock (a few ms resolution at a fraction of the cost of
/// CLOCK_REALTIME): the per-sample receive time, where TTL and updated_at need no finer grain.
std::int64_t CoarseNowMs() noexcept;

/// dlq.error.class of a sample that breaks the domain rules.
inline constexpr std::string_view kInvalidSample = "invalid_sample";

class SampleHandler {
  public:
    /// `invalid_counter` (may be null) counts samples rejected by ValidateSample.
    explicit SampleHandler(JobAggregator& aggregator, prometheus::Counter* invalid_counter = nullptr);

    /// Ok once aggregated (or recognised as a duplicate). A sample that breaks the domain rules
    /// is routine bad input, not an error: DeadLetter(kInvalidSample, violation), which the
    /// runner sends to the DLQ at once with the violation as dlq.error.message.
    kafka::Outcome Handle(const schema::Event& event);

    /// Records handed to Handle, valid or not.
    std::uint64_t Processed() const noexcept { return processed_.load(std::memory_order_relaxed); }
    std::uint64_t Invalid() const noexcept { return invalid_.load(std::memory_order_relaxed); }

  private:
    JobAggregator& aggregator_;
    prometheus::Counter* invalid_counter_;
    std::atomic<std::uint64_t> processed_{0};
    std::atomic<std::uint64_t> invalid_{0};
};

}  // namespace cosmic::metrics
