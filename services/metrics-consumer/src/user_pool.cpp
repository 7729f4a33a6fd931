#include "cosmic/metrics_consumer/user_pool.hpp"

namespace cosmic::metrics {

std::uint32_t UserPool::Acquire(std::string_view user) {
    if (user.empty()) return kNone;
    auto it = index_.find(user);
    if (it == index_.end()) {
        it = index_.emplace(std::string(user), 0).first;
        std::uint32_t id;
        if (!free_.empty()) {
            id = free_.back();
            free_.pop_back();
        } else {
            id = static_cast<std::uint32_t>(entries_.size());
            entries_.emplace_back();
        }
        entries_[id] = Entry{std::string(user), 0};
        it->second = id;
    }
    ++entries_[it->second].refs;
    return it->second;
}

void UserPool::Release(std::uint32_t id) {
    if (id == kNone) return;
    Entry& entry = entries_[id];
    if (--entry.refs > 0) return;
    index_.erase(index_.find(entry.name));
    entry = Entry{};
    free_.push_back(id);
}

std::string_view UserPool::Name(std::uint32_t id) const noexcept {
    return id == kNone ? std::string_view{} : std::string_view{entries_[id].name};
}

}  // namespace cosmic::metrics
