#include "cosmic/job_orchestrator/store/group_commit.hpp"

#include <utility>

namespace cosmic::orchestrator {
namespace {

void RunOnce(Statement& statement) {
    StatementScope scope(statement);
    statement.Run();
}

}  // namespace

GroupCommitter::GroupCommitter(Database& db)
    : db_(db),
      savepoint_(db.Prepare("SAVEPOINT piece")),
      release_(db.Prepare("RELEASE piece")),
      rollback_to_(db.Prepare("ROLLBACK TO piece")) {}

void GroupCommitter::Run(const std::function<void()>& work) {
    Pending me;
    me.work = &work;
    std::unique_lock lock(mutex_);
    queue_.push_back(&me);
    while (!me.done) {
        if (leading_) {
            done_.wait(lock);
            continue;
        }
        // Lead: take everything queued (this caller's work included) and commit it as one group.
        leading_ = true;
        std::vector<Pending*> group;
        group.swap(queue_);
        lock.unlock();
        Execute(group);
        lock.lock();
        for (Pending* pending : group) pending->done = true;
        ++commits_;
        pieces_ += group.size();
        leading_ = false;
        done_.notify_all();
    }
    lock.unlock();
    if (me.error) std::rethrow_exception(me.error);
}

void GroupCommitter::Execute(const std::vector<Pending*>& group) {
    try {
        Transaction tx(db_);
        for (Pending* pending : group) {
            RunOnce(savepoint_);
            try {
                (*pending->work)();
            } catch (...) {
                pending->error = std::current_exception();
                RunOnce(rollback_to_);
            }
            RunOnce(release_);
        }
        tx.Commit();
    } catch (...) {
        // BEGIN, a savepoint or COMMIT failed: the transaction is rolled back, so every piece failed.
        const std::exception_ptr failure = std::current_exception();
        for (Pending* pending : group) {
            if (!pending->error) pending->error = failure;
        }
    }
}

std::uint64_t GroupCommitter::Commits() const {
    std::lock_guard lock(mutex_);
    return commits_;
}

std::uint64_t GroupCommitter::Pieces() const {
    std::lock_guard lock(mutex_);
    return pieces_;
}

}  // namespace cosmic::orchestrator
