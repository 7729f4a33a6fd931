#include "cosmic/kafka/lag_time.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace cosmic::kafka {

LookupTable::LookupTable(std::size_t capacity) {
    if (capacity < 2) {
        throw std::invalid_argument("LookupTable capacity must be >= 2, got " + std::to_string(capacity));
    }
    points_.resize(capacity);
}

std::optional<LagPoint> LookupTable::MostRecent() const noexcept {
    if (size_ == 0) return std::nullopt;
    return Point(size_ - 1);
}

void LookupTable::Clear() noexcept {
    head_ = 0;
    size_ = 0;
}

AddPointResult LookupTable::AddPoint(LagPoint point) {
    if (size_ > 0) {
        const LagPoint& newest = Point(size_ - 1);
        if (newest.time_ms >= point.time_ms) return AddPointResult::kOutOfOrder;
        if (newest.offset > point.offset) return AddPointResult::kNonMonotonic;
        // A partition nobody writes to would fill the table with one offset and lose the history that
        // dates older offsets; move the flat line's right end out instead.
        if (newest.offset == point.offset && size_ > 1 && Point(size_ - 2).offset == point.offset) {
            points_[(head_ + size_ - 1) % points_.size()] = point;
            return AddPointResult::kReplacedNewest;
        }
    }
    if (size_ == points_.size()) {
        head_ = (head_ + 1) % points_.size();
        --size_;
    }
    points_[(head_ + size_) % points_.size()] = point;
    ++size_;
    return AddPointResult::kAppended;
}

LookupResult LookupTable::Lookup(std::int64_t offset) const {
    LookupResult result;
    if (size_ > 0 && offset == Point(size_ - 1).offset) {
        result.kind = LookupResult::Kind::kLagIsZero;
        return result;
    }
    if (size_ < 2) {
        result.kind = LookupResult::Kind::kTooFewPoints;
        return result;
    }

    // The newest adjacent pair whose offsets bracket the offset; else the oldest-to-newest trend.
    const LagPoint* left = &Point(0);
    const LagPoint* right = &Point(size_ - 1);
    result.extrapolated = true;
    for (std::size_t i = size_ - 1; i >= 1; --i) {
        const LagPoint& r = Point(i);
        const LagPoint& l = Point(i - 1);
        if (offset >= l.offset && offset <= r.offset) {
            left = &l;
            right = &r;
            result.extrapolated = false;
            break;
        }
    }

    // Solve the line through left and right for the time at `offset`, in double like the original.
    const double dx = static_cast<double>(right->time_ms - left->time_ms);
    const double dy = static_cast<double>(right->offset - left->offset);
    const double px = static_cast<double>(right->time_ms);
    const double delta = static_cast<double>(right->offset - offset);
    result.kind = LookupResult::Kind::kPrediction;
    if (dy == 0.0) {
        // Flat points. Spell out what IEEE division by zero gives the original (0/0 = NaN, x/0 = +-Inf)
        // rather than divide, so the result does not depend on floating-point trap settings.
        const double numerator = delta * dx;
        result.time_ms =
            numerator == 0.0 ? std::nan("") : px - std::copysign(std::numeric_limits<double>::infinity(), numerator);
        return result;
    }
    result.time_ms = px - delta * dx / dy;
    return result;
}

std::optional<double> LookupTable::LagSeconds(std::int64_t committed, std::int64_t snapshot_time_ms) const {
    const LookupResult result = Lookup(committed);
    switch (result.kind) {
        case LookupResult::Kind::kLagIsZero:
            return 0.0;
        case LookupResult::Kind::kTooFewPoints:
            return std::nullopt;
        case LookupResult::Kind::kPrediction:
            break;
    }
    const double seconds = (static_cast<double>(snapshot_time_ms) - result.time_ms) / 1000.0;
    if (!std::isfinite(seconds)) return std::nullopt;
    return seconds;
}

ThresholdCrossing CheckThresholds(const AbsoluteThresholds& thresholds, std::int64_t lag_messages,
                                  std::optional<double> lag_seconds) noexcept {
    ThresholdCrossing crossing;
    crossing.messages = thresholds.messages.has_value() && lag_messages > *thresholds.messages;
    crossing.seconds = thresholds.seconds.has_value() && lag_seconds.has_value() && *lag_seconds > *thresholds.seconds;
    return crossing;
}

}  // namespace cosmic::kafka
