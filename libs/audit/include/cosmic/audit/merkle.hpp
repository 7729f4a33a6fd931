#pragma once
/// RFC 6962 (Certificate Transparency) Merkle tree hash, computed incrementally:
///   MTH({})      = SHA-256()
///   leaf(d)      = SHA-256(0x00 || d)
///   node(l, r)   = SHA-256(0x01 || l || r)
///   MTH(D[0:n])  = node(MTH(D[0:k]), MTH(D[k:n])) with k the largest power of two < n.
/// The accumulator keeps one perfect-subtree root per set bit of the leaf count, so memory is
/// O(log n) however many rows a checkpoint covers.

#include <cstdint>
#include <string_view>
#include <vector>

#include "cosmic/audit/sha256.hpp"

namespace cosmic::audit {

class MerkleAccumulator {
  public:
    /// Adds the leaf whose data is `data` (the audit store uses the row hash as leaf data).
    /// `sha` is scratch, passed in so the accumulator stays a small copyable value.
    void AddLeaf(std::string_view data, Sha256& sha);
    void AddLeaf(const Hash& data, Sha256& sha) {
        AddLeaf(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()), sha);
    }
    /// The tree hash of the leaves added so far (MTH of the empty list when none).
    Hash Root(Sha256& sha) const;
    std::uint64_t LeafCount() const { return count_; }
    void Clear();

  private:
    struct Subtree {
        Hash hash;
        int height;
    };
    static Hash Node(const Hash& left, const Hash& right, Sha256& sha);

    std::vector<Subtree> stack_;  ///< left to right, strictly decreasing heights
    std::uint64_t count_ = 0;
};

}  // namespace cosmic::audit
