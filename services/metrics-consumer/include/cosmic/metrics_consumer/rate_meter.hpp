#pragma once
/// Events per second over a sliding window, from readings of a monotonic counter taken on a
/// timer (never per event). Thread-safe.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>

namespace cosmic::metrics {

class RateMeter {
  public:
    explicit RateMeter(std::chrono::milliseconds window = std::chrono::seconds(10), std::size_t max_readings = 64);

    /// Records the counter's value `total` at `now_ms`.
    void Record(std::int64_t now_ms, std::uint64_t total);
    /// Increase per second between the oldest and newest reading in the window; 0 until there
    /// are two readings.
    double PerSecond() const;

  private:
    struct Reading {
        std::int64_t at_ms;
        std::uint64_t total;
    };
    std::chrono::milliseconds window_;
    std::size_t max_readings_;
    mutable std::mutex mutex_;
    std::deque<Reading> readings_;
};

}  // namespace cosmic::metrics
