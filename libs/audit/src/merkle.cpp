#include "cosmic/audit/merkle.hpp"

namespace cosmic::audit {

namespace {
constexpr std::uint8_t kLeafPrefix = 0x00;
constexpr std::uint8_t kNodePrefix = 0x01;
}  // namespace

Hash MerkleAccumulator::Node(const Hash& left, const Hash& right, Sha256& sha) {
    sha.Reset();
    sha.Update(&kNodePrefix, 1);
    sha.Update(left);
    sha.Update(right);
    return sha.Finish();
}

void MerkleAccumulator::AddLeaf(std::string_view data, Sha256& sha) {
    sha.Reset();
    sha.Update(&kLeafPrefix, 1);
    sha.Update(data);
    Subtree current{sha.Finish(), 0};
    // Two perfect subtrees of equal height merge, like a binary counter's carry.
    while (!stack_.empty() && stack_.back().height == current.height) {
        current = Subtree{Node(stack_.back().hash, current.hash, sha), current.height + 1};
        stack_.pop_back();
    }
    stack_.push_back(current);
    ++count_;
}

Hash MerkleAccumulator::Root(Sha256& sha) const {
    if (stack_.empty()) {
        sha.Reset();
        return sha.Finish();
    }
    // The RFC 6962 tree of n leaves is the perfect subtrees of n's set bits, joined from the
    // right: node(P_high, node(P_next, ... P_low)).
    Hash root = stack_.back().hash;
    for (auto it = stack_.rbegin() + 1; it != stack_.rend(); ++it) {
        root = Node(it->hash, root, sha);
    }
    return root;
}

void MerkleAccumulator::Clear() {
    stack_.clear();
    count_ = 0;
}

}  // namespace cosmic::audit
