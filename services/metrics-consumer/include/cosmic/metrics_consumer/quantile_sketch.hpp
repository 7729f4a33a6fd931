#pragma once
/// A fixed-memory quantile sketch for non-negative values (DDSketch-style logarithmic buckets).
///
/// Error bound: a value v > 0 falls in bucket i = ceil(log_gamma(v)) with
/// gamma = (1 + a) / (1 - a), a = kRelativeAccuracy = 2 %; the bucket's representative value
/// is within a relative 2 % of every value in it. At most `Buckets` non-empty buckets are kept
/// (sorted, sparse). When a new bucket would exceed that, the two lowest buckets are merged
/// ("collapse lowest"), so the sketch never grows. Consequence:
///   * while at most `Buckets` distinct buckets are occupied, every quantile is within 2 %;
///   * after collapsing, a quantile is still within 2 % when its value is at least the
///     lowest retained bucket, in particular whenever it is >= max / gamma^(Buckets-1)
///     (for the per-job 24 buckets: >= max / 2.5), which holds for p50/p95/p99 of a job whose
///     reported execution time grows from 0 to its final value;
///     lower quantiles are over-estimated, never under-estimated.
/// Counts are stored in `Count`; when one would overflow, all counts are halved (rounding up),
/// which keeps the rank error below Buckets / 2^(bits-1) (0.1 % for 16-bit counts).
/// Zero (and any value below kMinPositive) is counted in a separate zero bucket, exactly.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

namespace cosmic::metrics {

inline constexpr double kRelativeAccuracy = 0.02;

namespace sketch_detail {
inline constexpr double kGamma = (1.0 + kRelativeAccuracy) / (1.0 - kRelativeAccuracy);
/// Values below this are counted as zero (execution times are integer milliseconds).
inline constexpr double kMinPositive = 1e-3;
/// ceil(log_gamma(v)) clamped to int16.
std::int16_t BucketIndex(double value) noexcept;
/// The value that is within kRelativeAccuracy of every value in bucket `index`.
double BucketValue(std::int16_t index) noexcept;
}  // namespace sketch_detail

template <std::size_t Buckets, typename Count>
class QuantileSketch {
    static_assert(Buckets >= 2 && Buckets <= 65535, "bucket count out of range");
    static_assert(std::numeric_limits<Count>::is_integer && !std::numeric_limits<Count>::is_signed);

  public:
    static constexpr std::size_t kBuckets = Buckets;

    /// Adds one observation. Negative and NaN values are the caller's to reject; they are
    /// counted as zero here so the sketch's invariants hold regardless.
    void Add(double value) noexcept {
        if (!(value >= sketch_detail::kMinPositive)) {
            Increment(zero_count_);
            return;
        }
        const std::int16_t index = sketch_detail::BucketIndex(value);
        std::size_t pos =
            static_cast<std::size_t>(std::lower_bound(index_.begin(), index_.begin() + size_, index) - index_.begin());
        if (pos < size_ && index_[pos] == index) {
            Increment(count_[pos]);
            return;
        }
        if (size_ == Buckets) {
            if (pos == 0) {
                // Below every retained bucket: it belongs to the collapsed low end.
                Increment(count_[0]);
                return;
            }
            CollapseLowest();
            --pos;
        }
        std::copy_backward(index_.begin() + pos, index_.begin() + size_, index_.begin() + size_ + 1);
        std::copy_backward(count_.begin() + pos, count_.begin() + size_, count_.begin() + size_ + 1);
        index_[pos] = index;
        count_[pos] = 1;
        ++size_;
    }

    /// The q-quantile (0 <= q <= 1) of the observations, NaN when empty: the nearest-rank
    /// definition, i.e. the ceil(q * n)-th smallest observation (the smallest for q = 0).
    double Quantile(double q) const noexcept {
        const std::uint64_t total = Total();
        if (total == 0) return std::numeric_limits<double>::quiet_NaN();
        q = std::clamp(q, 0.0, 1.0);
        const auto nearest = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
        const std::uint64_t rank = nearest == 0 ? 0 : nearest - 1;  // 0-based
        std::uint64_t seen = zero_count_;
        if (seen > rank) return 0.0;
        for (std::size_t i = 0; i < size_; ++i) {
            seen += count_[i];
            if (seen > rank) return sketch_detail::BucketValue(index_[i]);
        }
        return sketch_detail::BucketValue(index_[size_ - 1]);
    }

    /// Sum of the (possibly scaled) bucket counts.
    std::uint64_t Total() const noexcept {
        std::uint64_t total = zero_count_;
        for (std::size_t i = 0; i < size_; ++i) total += count_[i];
        return total;
    }

    std::size_t BucketCount() const noexcept { return size_; }
    bool Collapsed() const noexcept { return collapsed_; }

  private:
    using Size = std::conditional_t<(Buckets < 256), std::uint8_t, std::uint16_t>;

    void Increment(Count& count) noexcept {
        if (count == std::numeric_limits<Count>::max()) Halve();
        ++count;
    }

    void Halve() noexcept {
        // Rounding up keeps every non-empty bucket non-empty.
        zero_count_ = static_cast<Count>(zero_count_ / 2 + zero_count_ % 2);
        for (std::size_t i = 0; i < size_; ++i) count_[i] = static_cast<Count>(count_[i] / 2 + count_[i] % 2);
    }

    void CollapseLowest() noexcept {
        // Merging the lowest bucket into the next one loses resolution only at the low end,
        // which p50/p95/p99 rarely touch.
        while (std::uint64_t{count_[0]} + count_[1] > std::numeric_limits<Count>::max()) Halve();
        count_[1] = static_cast<Count>(count_[0] + count_[1]);
        std::copy(index_.begin() + 1, index_.begin() + size_, index_.begin());
        std::copy(count_.begin() + 1, count_.begin() + size_, count_.begin());
        --size_;
        collapsed_ = true;
    }

    std::array<std::int16_t, Buckets> index_{};
    std::array<Count, Buckets> count_{};
    Count zero_count_ = 0;
    Size size_ = 0;
    bool collapsed_ = false;
};

/// Per job: 24 buckets of 16-bit counts, 100 bytes.
using JobSketch = QuantileSketch<24, std::uint16_t>;
/// Across all jobs: 512 buckets of 32-bit counts (a 7e8 value range at full accuracy).
using GlobalSketch = QuantileSketch<512, std::uint32_t>;

}  // namespace cosmic::metrics
