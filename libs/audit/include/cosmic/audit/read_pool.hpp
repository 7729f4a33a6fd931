#pragma once
/// A bounded pool of read-only connections for the API. In WAL mode readers do not block the
/// writer or each other; each connection caches its prepared statements by SQL text.

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

class ReadConnection {
  public:
    ReadConnection(const std::string& path, std::int64_t cache_size_kib, int busy_timeout_ms);
    Database& Db() { return db_; }
    /// A prepared statement for `sql`, reset and ready to bind. The cache is bounded: the query
    /// API builds at most one statement text per combination of filters.
    Statement& Cached(const std::string& sql);

  private:
    static constexpr std::size_t kMaxCachedStatements = 256;
    Database db_;
    std::unordered_map<std::string, Statement> statements_;
};

class ReadPool {
  public:
    ReadPool(std::string path, std::size_t size, std::int64_t cache_size_kib, int busy_timeout_ms);

    /// Returns the connection to the pool when destroyed.
    class Lease {
      public:
        Lease(ReadPool& pool, std::unique_ptr<ReadConnection> connection)
            : pool_(&pool), connection_(std::move(connection)) {}
        ~Lease();
        Lease(Lease&& other) noexcept = default;
        Lease& operator=(Lease&&) = delete;
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        ReadConnection* operator->() { return connection_.get(); }
        ReadConnection& operator*() { return *connection_; }

      private:
        ReadPool* pool_;
        std::unique_ptr<ReadConnection> connection_;
    };

    /// Waits for a free connection; opens one lazily up to the pool size.
    Lease Acquire();

  private:
    void Release(std::unique_ptr<ReadConnection> connection);

    std::string path_;
    std::size_t size_;
    std::int64_t cache_size_kib_;
    int busy_timeout_ms_;
    std::mutex mutex_;
    std::condition_variable available_;
    std::vector<std::unique_ptr<ReadConnection>> idle_;
    std::size_t opened_ = 0;
};

}  // namespace cosmic::audit
