#pragma once
/// The last N event ids seen, as 64-bit hashes: a ring buffer gives the eviction order and an
/// open-addressing set answers membership. Memory is fixed at construction (~24 bytes per id).
/// Two different ids collide with probability ~N^2 / 2^65 (3e-10 for N = 100k): an acceptable
/// chance of dropping one genuine sample, never of double-counting one.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace cosmic::metrics {

class DedupeWindow {
  public:
    /// `capacity` 0 disables deduplication.
    explicit DedupeWindow(std::size_t capacity);

    /// True when `key` is in the window (a duplicate). Otherwise remembers it, forgetting the
    /// oldest key when the window is full, and returns false.
    bool CheckAndInsert(std::uint64_t key);
    bool Contains(std::uint64_t key) const;
    std::size_t Size() const noexcept { return size_; }
    std::size_t Capacity() const noexcept { return ring_.size(); }

  private:
    static constexpr std::uint64_t kEmpty = 0;
    static std::uint64_t Normalize(std::uint64_t key) noexcept { return key == kEmpty ? 1 : key; }
    std::size_t Home(std::uint64_t key) const noexcept { return static_cast<std::size_t>(key) & mask_; }
    void Erase(std::uint64_t key);

    std::vector<std::uint64_t> ring_;  // oldest at head_ once full
    std::size_t head_ = 0;
    std::size_t size_ = 0;
    std::vector<std::uint64_t> table_;  // linear probing, load <= 0.5
    std::size_t mask_ = 0;
};

}  // namespace cosmic::metrics
