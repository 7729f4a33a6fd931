#pragma once
/// event_type patterns -> handler slots, compiled once: an exact-name hash map plus a list of
/// prefixes, longest first. Exact names win over prefixes, longer prefixes over shorter ones.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cosmic::kafka {

class PatternTable {
public:
    /// `pattern` is an exact event_type ("job.completed"), a prefix wildcard ("audit.*", which
    /// matches "audit.alert" but not "audit") or "*" (everything). Returns the slot given to
    /// it (0, 1, ... in order of Add). Throws std::invalid_argument for an empty pattern, a '*'
    /// anywhere else, or a pattern added twice.
    std::size_t Add(std::string_view pattern);

    /// The slot of the most specific pattern matching `event_type`, nullopt when none does.
    std::optional<std::size_t> Find(std::string_view event_type) const;

    std::size_t Size() const noexcept { return size_; }

private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
    };

    std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> exact_;
    /// Prefix (with its trailing '.'; "" for "*") and slot, longest prefix first.
    std::vector<std::pair<std::string, std::size_t>> prefixes_;
    std::size_t size_ = 0;
};

}  // namespace cosmic::kafka
