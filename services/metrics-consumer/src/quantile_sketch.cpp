#include "cosmic/metrics_consumer/quantile_sketch.hpp"

namespace cosmic::metrics::sketch_detail {

namespace {
const double kLogGamma = std::log(kGamma);
}  // namespace

std::int16_t BucketIndex(double value) noexcept {
    const double index = std::ceil(std::log(value) / kLogGamma);
    return static_cast<std::int16_t>(std::clamp(index, double{std::numeric_limits<std::int16_t>::min()},
                                                double{std::numeric_limits<std::int16_t>::max()}));
}

double BucketValue(std::int16_t index) noexcept {
    // Bucket i holds (gamma^(i-1), gamma^i]; this point is within (gamma-1)/(gamma+1) = a of both ends.
    return 2.0 * std::exp(kLogGamma * index) / (kGamma + 1.0);
}

}  // namespace cosmic::metrics::sketch_detail
