#pragma once
/// Retry policy: exponential backoff with full jitter (DESIGN.md §6: base 100 ms, cap 30 s,
/// 5 attempts). Full jitter spreads retries of many consumers instead of synchronising them.

#include <chrono>
#include <cstdint>
#include <random>

namespace cosmic::kafka {

struct RetryPolicy {
    std::chrono::milliseconds base{100};
    std::chrono::milliseconds cap{std::chrono::seconds(30)};
    /// Handler invocations per record, the first one included; then the record is dead-lettered.
    int max_attempts = 5;

    /// Throws std::invalid_argument for a non-positive base, cap < base or max_attempts < 1.
    void Validate() const;
};

/// The upper bound of the wait after `failed_attempts` failures (>= 1): min(cap, base * 2^(n-1)).
std::chrono::milliseconds BackoffCeiling(const RetryPolicy& policy, int failed_attempts) noexcept;

/// Draws the waits; one per consumer thread (not thread-safe).
class Backoff {
public:
    explicit Backoff(RetryPolicy policy, std::uint64_t seed = std::random_device{}());
    /// Uniform in [0, BackoffCeiling(policy, failed_attempts)] ("full jitter").
    std::chrono::milliseconds Next(int failed_attempts);
    const RetryPolicy& Policy() const noexcept { return policy_; }

private:
    RetryPolicy policy_;
    std::mt19937_64 random_;
};

}  // namespace cosmic::kafka
