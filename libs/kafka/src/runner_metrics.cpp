#include "runner_metrics.hpp"

#include <algorithm>

namespace cosmic::kafka::runner_detail {
namespace {

constexpr std::array<std::string_view, kCountedValues> kOutcomeLabels = {"ok", "retry", "dead_letter", "skipped",
                                                                         "invalid"};

const prometheus::Histogram::BucketBoundaries& ProcessingBuckets() {
    static const prometheus::Histogram::BucketBoundaries buckets = {
        0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    return buckets;
}

const prometheus::Histogram::BucketBoundaries& AgeBuckets() {
    // From 1 ms: a low-latency profile's p99 is a few milliseconds.
    static const prometheus::Histogram::BucketBoundaries buckets = {
        0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600};
    return buckets;
}

OutcomeCounters MakeCounters(prometheus::Family<prometheus::Counter>& family, std::string_view topic,
                             std::string_view event_type) {
    OutcomeCounters counters;
    for (std::size_t i = 0; i < kCountedValues; ++i) {
        counters.by_outcome[i] = &family.Add({{"topic", std::string(topic)},
                                              {"event_type", std::string(event_type)},
                                              {"outcome", std::string(kOutcomeLabels[i])}});
    }
    return counters;
}

}  // namespace

BufferedHistogram::BufferedHistogram(prometheus::Histogram& target,
                                     const prometheus::Histogram::BucketBoundaries& bounds)
    : target_(target), bounds_(bounds), counts_(bounds.size() + 1, 0.0) {}

void BufferedHistogram::Observe(double value) noexcept {
    // Prometheus buckets are "less than or equal": the first bound >= value counts it.
    const auto bucket = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
    counts_[static_cast<std::size_t>(bucket)] += 1;
    sum_ += value;
    pending_ = true;
}

void BufferedHistogram::Flush() {
    if (!pending_) {
        return;
    }
    target_.ObserveMultiple(counts_, sum_);
    std::fill(counts_.begin(), counts_.end(), 0.0);
    sum_ = 0;
    pending_ = false;
}

TopicMetrics::TopicMetrics(const schema::TopicSpec& spec, prometheus::Family<prometheus::Counter>& consumed,
                           prometheus::Family<prometheus::Counter>& retries_family,
                           prometheus::Family<prometheus::Counter>& dlq_family,
                           prometheus::Family<prometheus::Histogram>& processing_family,
                           prometheus::Family<prometheus::Histogram>& age_family)
    : retries(retries_family.Add({{"topic", std::string(spec.name)}})),
      dlq(dlq_family.Add({{"topic", std::string(spec.name)}})),
      processing(processing_family.Add({{"topic", std::string(spec.name)}}, ProcessingBuckets()), ProcessingBuckets()),
      age(age_family.Add({{"topic", std::string(spec.name)}}, AgeBuckets()), AgeBuckets()),
      unknown_(MakeCounters(consumed, spec.name, "unknown")) {
    for (std::string_view event_type : spec.event_types) {
        by_type_.emplace(std::string(event_type), MakeCounters(consumed, spec.name, event_type));
    }
}

void OutcomeCounters::Flush() const {
    if (!dirty) {
        return;
    }
    for (std::size_t i = 0; i < kCountedValues; ++i) {
        if (pending[i] != 0) {
            by_outcome[i]->Increment(static_cast<double>(pending[i]));
            pending[i] = 0;
        }
    }
    dirty = false;
}

void TopicMetrics::Flush() {
    for (const auto& [type, counters] : by_type_) {
        counters.Flush();
    }
    unknown_.Flush();
    processing.Flush();
    age.Flush();
}

const OutcomeCounters& TopicMetrics::For(std::string_view event_type) const {
    if (auto it = by_type_.find(event_type); it != by_type_.end()) {
        return it->second;
    }
    return unknown_;
}

namespace {

void Publish(std::atomic<std::uint64_t>& total, std::uint64_t& pending) noexcept {
    if (pending != 0) {
        total.fetch_add(pending, std::memory_order_relaxed);
        pending = 0;
    }
}

}  // namespace

void RunnerTally::Flush() noexcept {
    Publish(handled_, pending_.handled);
    Publish(skipped_, pending_.skipped);
    Publish(invalid_, pending_.invalid);
    Publish(failed_, pending_.failed);
    Publish(retried_, pending_.retried);
    Publish(dead_lettered_, pending_.dead_lettered);
}

RunnerCounts RunnerTally::Snapshot() const noexcept {
    RunnerCounts counts;
    counts.handled = handled_.load(std::memory_order_relaxed);
    counts.skipped = skipped_.load(std::memory_order_relaxed);
    counts.invalid = invalid_.load(std::memory_order_relaxed);
    counts.failed = failed_.load(std::memory_order_relaxed);
    counts.retried = retried_.load(std::memory_order_relaxed);
    counts.dead_lettered = dead_lettered_.load(std::memory_order_relaxed);
    return counts;
}

RunnerFamilies::RunnerFamilies(prometheus::Registry& registry)
    : consumed(prometheus::BuildCounter()
                   .Name("cosmic_events_consumed_total")
                   .Help("Records handled by the consumer runner, by topic, event_type and outcome")
                   .Register(registry)),
      retries(prometheus::BuildCounter()
                  .Name("cosmic_retries_total")
                  .Help("Handler attempts that asked for a retry, by topic")
                  .Register(registry)),
      dlq(prometheus::BuildCounter()
              .Name("cosmic_dlq_messages_total")
              .Help("Records acknowledged by the dead-letter topic, by source topic")
              .Register(registry)),
      processing(prometheus::BuildHistogram()
                     .Name("cosmic_event_processing_seconds")
                     .Help("Handler time per call, by topic")
                     .Register(registry)),
      age(prometheus::BuildHistogram()
              .Name("cosmic_event_age_seconds")
              .Help("Time from the Kafka record timestamp to the end of its handling, by topic")
              .Register(registry)),
      lag(prometheus::BuildGauge()
              .Name("cosmic_consumer_lag_messages")
              .Help("Messages between the committed offset and the high watermark, by topic and partition")
              .Register(registry)) {}

}  // namespace cosmic::kafka::runner_detail
