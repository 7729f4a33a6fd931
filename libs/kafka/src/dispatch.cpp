#include "cosmic/kafka/dispatch.hpp"

#include <algorithm>
#include <stdexcept>

namespace cosmic::kafka {

std::size_t PatternTable::Add(std::string_view pattern) {
    if (pattern.empty()) {
        throw std::invalid_argument("empty event_type pattern");
    }
    const std::size_t star = pattern.find('*');
    const std::size_t slot = size_;
    if (star == std::string_view::npos) {
        if (!exact_.emplace(std::string(pattern), slot).second) {
            throw std::invalid_argument("event_type pattern added twice: " + std::string(pattern));
        }
    } else {
        const bool all = pattern == "*";
        const bool prefix = pattern.size() >= 3 && star == pattern.size() - 1 && pattern[star - 1] == '.';
        if (!all && !prefix) {
            throw std::invalid_argument("event_type pattern must be a name, 'prefix.*' or '*': " +
                                        std::string(pattern));
        }
        std::string stem(pattern.substr(0, pattern.size() - 1));  // keeps the '.'
        if (std::any_of(prefixes_.begin(), prefixes_.end(), [&](const auto& p) { return p.first == stem; })) {
            throw std::invalid_argument("event_type pattern added twice: " + std::string(pattern));
        }
        prefixes_.emplace_back(std::move(stem), slot);
        std::stable_sort(prefixes_.begin(), prefixes_.end(),
                         [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
    }
    return size_++;
}

std::optional<std::size_t> PatternTable::Find(std::string_view event_type) const {
    if (auto it = exact_.find(event_type); it != exact_.end()) {
        return it->second;
    }
    for (const auto& [stem, slot] : prefixes_) {
        if (event_type.size() > stem.size() && event_type.starts_with(stem)) {
            return slot;
        }
        if (stem.empty()) {
            return slot;  // "*" also matches an empty event_type
        }
    }
    return std::nullopt;
}

}  // namespace cosmic::kafka
