#pragma once
/// Count-free min/max/sum/last of one numeric field; the job's sample count is shared by all
/// its fields, so it is kept once beside them.

#include <algorithm>
#include <cstdint>

namespace cosmic::metrics {

struct FieldStats {
    double min = 0;
    double max = 0;
    double sum = 0;
    double last = 0;

    /// `first` is true for the job's first sample (min/max start from it).
    void Add(double value, bool first) noexcept {
        if (first) {
            min = max = value;
        } else {
            min = std::min(min, value);
            max = std::max(max, value);
        }
        sum += value;
        last = value;
    }
    double Average(std::uint64_t count) const noexcept { return count == 0 ? 0.0 : sum / static_cast<double>(count); }
};

}  // namespace cosmic::metrics
