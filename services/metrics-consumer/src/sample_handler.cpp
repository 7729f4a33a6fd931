#include "cosmic/metrics_consumer/sample_handler.hpp"

#include <prometheus/counter.h>
#include <time.h>

#include <string>

#include "cosmic/metrics_consumer/sample_validator.hpp"

namespace cosmic::metrics {

std::int64_t CoarseNowMs() noexcept {
    timespec now{};
    clock_gettime(CLOCK_REALTIME_COARSE, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

SampleHandler::SampleHandler(JobAggregator& aggregator, prometheus::Counter* invalid_counter)
    : aggregator_(aggregator), invalid_counter_(invalid_counter) {}

kafka::Outcome SampleHandler::Handle(const schema::Event& event) {
    // Single writer (the runner's thread): a relaxed increment is an uncontended add.
    processed_.fetch_add(1, std::memory_order_relaxed);
    if (auto violation = ValidateSample(event)) {
        invalid_.fetch_add(1, std::memory_order_relaxed);
        if (invalid_counter_ != nullptr) invalid_counter_->Increment();
        return kafka::Outcome::DeadLetter(std::string(kInvalidSample), violation->ToString());
    }
    aggregator_.Add(event, CoarseNowMs());
    return kafka::Outcome::Ok();
}

}  // namespace cosmic::metrics
