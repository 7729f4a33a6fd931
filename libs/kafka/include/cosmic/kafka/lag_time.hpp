#pragma once
/// Consumer lag in seconds, estimated the way kafka-lag-exporter does (seglo/kafka-lag-exporter
/// LookupTable.scala, ConsumerGroupCollector.scala): each poll stores (latest offset, poll time) for a
/// partition; a committed offset's lag in time is how long ago the partition's end was at that offset,
/// interpolated between the stored points. Pure logic: callers pass times in milliseconds.
///
/// Also the absolute thresholds (messages and seconds) health-monitor alerts on.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace cosmic::kafka {

/// One sample: the partition's latest offset (high watermark) at `time_ms`.
struct LagPoint {
    std::int64_t offset = 0;
    std::int64_t time_ms = 0;

    friend bool operator==(const LagPoint&, const LagPoint&) = default;
};

/// What AddPoint did with a point.
enum class AddPointResult {
    kAppended,        ///< stored as the newest point (the oldest is evicted when the table is full)
    kReplacedNewest,  ///< same offset as the two newest points: moved the flat line's right end instead
    kOutOfOrder,      ///< rejected: time <= the newest point's time
    kNonMonotonic,    ///< rejected: offset < the newest point's offset
};

/// Outcome of a lookup (kafka-lag-exporter's LookupTable.Table.Result).
struct LookupResult {
    enum class Kind {
        kLagIsZero,     ///< the offset is the newest point's offset
        kTooFewPoints,  ///< fewer than two points: no estimate (kafka-lag-exporter exports NaN)
        kPrediction,    ///< `time_ms` estimates when the partition's end was at the offset
    };
    Kind kind = Kind::kTooFewPoints;
    /// For kPrediction: the estimated time, computed in double exactly as kafka-lag-exporter does, so it is
    /// NaN or infinite when the points used are flat (same offset) and the offset is not on them.
    double time_ms = 0.0;
    /// For kPrediction: no stored pair brackets the offset, so the oldest-to-newest trend was extended.
    bool extrapolated = false;
};

/// A bounded table of LagPoints for one partition, oldest first.
class LookupTable {
  public:
    /// kafka-lag-exporter's `lookup-table.memory.size` default (about 30 min at its 30 s poll interval).
    static constexpr std::size_t kDefaultCapacity = 60;

    /// Throws std::invalid_argument when capacity < 2 (one point can never give an estimate).
    explicit LookupTable(std::size_t capacity = kDefaultCapacity);

    /// Adds a poll's point with kafka-lag-exporter's rules: out-of-order and non-monotonic points are
    /// rejected; a third point on a flat line replaces the newest; otherwise appended.
    AddPointResult AddPoint(LagPoint point);

    /// Estimates when the partition's end was at `offset`: 0 lag when it is the newest offset, too few
    /// points below two, else linear interpolation between the newest adjacent pair (searched newest to
    /// oldest) whose offsets bracket it, or extrapolation along the oldest-to-newest line.
    LookupResult Lookup(std::int64_t offset) const;

    /// (snapshot_time_ms - Lookup(committed).time_ms) / 1000; 0 for kLagIsZero. nullopt when
    /// kafka-lag-exporter would export NaN (too few points) and also when the estimate is not finite
    /// (flat points, where it would export +-Inf), so callers never publish a non-number by accident.
    /// Negative when `committed` lies beyond the newest point (the commit was read after the watermark).
    std::optional<double> LagSeconds(std::int64_t committed, std::int64_t snapshot_time_ms) const;

    std::size_t Size() const noexcept { return size_; }
    std::size_t Capacity() const noexcept { return points_.size(); }
    /// Point `index`, 0 = oldest. Precondition: index < Size().
    const LagPoint& Point(std::size_t index) const noexcept { return points_[(head_ + index) % points_.size()]; }
    std::optional<LagPoint> MostRecent() const noexcept;
    void Clear() noexcept;

  private:
    std::vector<LagPoint> points_;  ///< ring, fixed size `capacity`
    std::size_t head_ = 0;          ///< physical index of the oldest point
    std::size_t size_ = 0;
};

/// Absolute lag limits. A limit that is not set is never crossed.
struct AbsoluteThresholds {
    std::optional<std::int64_t> messages;  ///< crossed when lag in messages > this
    std::optional<double> seconds;         ///< crossed when lag in seconds > this
};

/// Which limits a lag crossed.
struct ThresholdCrossing {
    bool messages = false;
    bool seconds = false;
    bool Any() const noexcept { return messages || seconds; }

    friend bool operator==(const ThresholdCrossing&, const ThresholdCrossing&) = default;
};

/// Compares a partition's (or group's) lag with the limits. Strictly greater crosses, like the alert
/// rules' `> N`. An unknown `lag_seconds` (nullopt) never crosses the seconds limit.
ThresholdCrossing CheckThresholds(const AbsoluteThresholds& thresholds, std::int64_t lag_messages,
                                  std::optional<double> lag_seconds) noexcept;

}  // namespace cosmic::kafka
