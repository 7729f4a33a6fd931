#include "cosmic/audit/read_pool.hpp"

#include <utility>

namespace cosmic::audit {

ReadConnection::ReadConnection(const std::string& path, std::int64_t cache_size_kib, int busy_timeout_ms)
    : db_(path, Database::Mode::kReadOnly, busy_timeout_ms) {
    db_.Exec("PRAGMA query_only = ON");
    db_.Exec("PRAGMA cache_size = -" + std::to_string(cache_size_kib));
}

Statement& ReadConnection::Cached(const std::string& sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        if (statements_.size() >= kMaxCachedStatements) statements_.clear();
        it = statements_.emplace(sql, db_.Prepare(sql)).first;
    }
    it->second.Reset();
    return it->second;
}

ReadPool::ReadPool(std::string path, std::size_t size, std::int64_t cache_size_kib, int busy_timeout_ms)
    : path_(std::move(path)),
      size_(size == 0 ? 1 : size),
      cache_size_kib_(cache_size_kib),
      busy_timeout_ms_(busy_timeout_ms) {}

ReadPool::Lease::~Lease() {
    if (connection_ != nullptr) pool_->Release(std::move(connection_));
}

ReadPool::Lease ReadPool::Acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [&] { return !idle_.empty() || opened_ < size_; });
    if (!idle_.empty()) {
        auto connection = std::move(idle_.back());
        idle_.pop_back();
        return Lease(*this, std::move(connection));
    }
    ++opened_;
    lock.unlock();
    try {
        return Lease(*this, std::make_unique<ReadConnection>(path_, cache_size_kib_, busy_timeout_ms_));
    } catch (...) {
        // Give the slot back so a later caller can try again, then report the failure.
        {
            std::lock_guard relock(mutex_);
            --opened_;
        }
        available_.notify_one();
        throw;
    }
}

void ReadPool::Release(std::unique_ptr<ReadConnection> connection) {
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
    }
    available_.notify_one();
}

}  // namespace cosmic::audit
