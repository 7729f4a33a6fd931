#include "cosmic/kafka/retry.hpp"

#include <algorithm>
#include <stdexcept>

namespace cosmic::kafka {

void RetryPolicy::Validate() const {
    if (base.count() <= 0) {
        throw std::invalid_argument("retry base must be positive");
    }
    if (cap < base) {
        throw std::invalid_argument("retry cap must not be below the base");
    }
    if (max_attempts < 1) {
        throw std::invalid_argument("retry max_attempts must be at least 1");
    }
}

std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int failed_attempts) noexcept {
    const int exponent = std::clamp(failed_attempts - 1, 0, 40);
    const std::int64_t base = std::max<std::int64_t>(policy.base.count(), 1);
    const std::int64_t cap = std::max<std::int64_t>(policy.cap.count(), base);
    // Doubling stops as soon as the cap is reached, so the shift never overflows.
    std::int64_t ceiling = base;
    for (int i = 0; i < exponent && ceiling < cap; ++i) {
        ceiling *= 2;
    }
    return std::chrono::milliseconds(std::min(ceiling, cap));
}

Backoff::Backoff(RetryPolicy policy, std::uint64_t seed) : policy_(policy), random_(seed) {}

std::chrono::milliseconds Backoff::Next(int failed_attempts) {
    const auto ceiling = BackoffCeiling(policy_, failed_attempts);
    std::uniform_int_distribution<std::int64_t> draw(0, ceiling.count());
    return std::chrono::milliseconds(draw(random_));
}

}  // namespace cosmic::kafka
