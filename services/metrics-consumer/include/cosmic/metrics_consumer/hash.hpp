#pragma once
/// 64-bit string hashing for the job index and the dedupe window.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace cosmic::metrics {

/// Finalizer of MurmurHash3: spreads every input bit over the whole word, so the low bits
/// (table slot) and the high bits (shard) are independent.
constexpr std::uint64_t Mix64(std::uint64_t x) noexcept {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

inline std::uint64_t Hash64(std::string_view text) noexcept { return Mix64(std::hash<std::string_view>{}(text)); }

}  // namespace cosmic::metrics

namespace cosmic::metrics {

/// Transparent hash so unordered containers keyed by std::string can be probed with a
/// string_view (with std::equal_to<>), without building a temporary string.
struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};

}  // namespace cosmic::metrics
