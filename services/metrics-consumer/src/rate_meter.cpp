#include "cosmic/metrics_consumer/rate_meter.hpp"

#include <algorithm>

namespace cosmic::metrics {

RateMeter::RateMeter(std::chrono::milliseconds window, std::size_t max_readings)
    : window_(window), max_readings_(std::max<std::size_t>(max_readings, 2)) {}

void RateMeter::Record(std::int64_t now_ms, std::uint64_t total) {
    std::lock_guard lock(mutex_);
    readings_.push_back(Reading{now_ms, total});
    // Keep one reading at or beyond the window's start so the rate spans the whole window.
    while (readings_.size() > 2 && readings_[1].at_ms <= now_ms - window_.count()) readings_.pop_front();
    while (readings_.size() > max_readings_) readings_.pop_front();
}

double RateMeter::PerSecond() const {
    std::lock_guard lock(mutex_);
    if (readings_.size() < 2) return 0;
    const Reading& oldest = readings_.front();
    const Reading& newest = readings_.back();
    if (newest.at_ms <= oldest.at_ms || newest.total < oldest.total) return 0;
    return static_cast<double>(newest.total - oldest.total) * 1000.0 / static_cast<double>(newest.at_ms - oldest.at_ms);
}

}  // namespace cosmic::metrics
