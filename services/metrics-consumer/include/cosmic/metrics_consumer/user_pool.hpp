#pragma once
/// Interned user ids with reference counts: every job keeps its (last) user as a 4-byte index,
/// and a user's name is stored once however many jobs it owns. Entries are freed when their
/// last job goes, so the pool is bounded by the job table.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cosmic/metrics_consumer/hash.hpp"

namespace cosmic::metrics {

class UserPool {
  public:
    static constexpr std::uint32_t kNone = UINT32_MAX;

    /// Takes a reference on `user` (interning it); the empty user is kNone and not counted.
    std::uint32_t Acquire(std::string_view user);
    void Release(std::uint32_t id);
    /// The user's name, "" for kNone.
    std::string_view Name(std::uint32_t id) const noexcept;
    /// Users with at least one reference.
    std::size_t Size() const noexcept { return index_.size(); }

  private:
    struct Entry {
        std::string name;  // a copy of the index key: read on every sample, so kept in this dense vector
        std::uint32_t refs = 0;
    };
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>> index_;
    std::vector<Entry> entries_;
    std::vector<std::uint32_t> free_;
};

}  // namespace cosmic::metrics
