#pragma once
/// Group commit for the single SQLite writer connection. Callers hand in a piece of work; the
/// first caller that finds no commit in progress becomes the leader, runs every piece queued so far
/// inside one transaction (each in its own savepoint, so one failing piece rolls back alone) and
/// commits once. While the leader waits for the fsync, new pieces queue up for the next group.
/// A lone caller pays exactly one transaction, as before; concurrent callers share the fsync.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <vector>

#include "cosmic/job_orchestrator/store/sqlite_types.hpp"

namespace cosmic::orchestrator {

class GroupCommitter {
  public:
    explicit GroupCommitter(Database& db);

    /// Runs `work` inside a write transaction (possibly shared with other callers' work) and
    /// returns after that transaction committed. Rethrows what `work` threw (its changes are then
    /// rolled back, the group's other work is not affected) or the commit's failure (nothing of
    /// the group was written).
    void Run(const std::function<void()>& work);

    /// Transactions committed and pieces of work run, for tests and benchmarks.
    std::uint64_t Commits() const;
    std::uint64_t Pieces() const;

  private:
    struct Pending {
        const std::function<void()>* work = nullptr;
        std::exception_ptr error;
        bool done = false;
    };

    void Execute(const std::vector<Pending*>& group);

    Database& db_;
    Statement savepoint_;
    Statement release_;
    Statement rollback_to_;
    mutable std::mutex mutex_;
    std::condition_variable done_;
    std::vector<Pending*> queue_;
    bool leading_ = false;
    std::uint64_t commits_ = 0;
    std::uint64_t pieces_ = 0;
};

}  // namespace cosmic::orchestrator
