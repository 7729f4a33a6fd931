#pragma once
/// JobStore on one SQLite file in WAL mode: a writer connection (state changes, outbox writes,
/// mark-sent, pruning) whose transactions are group-committed (concurrent writers share one
/// commit and fsync), and a reader connection (API reads, the relay's pending reads), so reads
/// never wait for a write transaction.

#include <memory>
#include <mutex>
#include <string>

#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/job_orchestrator/store/group_commit.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {

struct SqliteStoreOptions {
    std::string path;
    /// PRAGMA synchronous: "FULL" (fsync on every commit) or "NORMAL" (a power loss may lose the
    /// last commits; a process crash loses nothing).
    std::string synchronous = "FULL";
    int busy_timeout_ms = 5000;
    /// Stamps outbox rows; the service passes its own clock.
    schema::EpochClock clock = schema::NowEpochMs;
};

class SqliteJobStore final : public JobStore {
  public:
    /// Opens or creates the database and its schema; throws StoreError.
    explicit SqliteJobStore(SqliteStoreOptions options);
    ~SqliteJobStore() override;

    /// For /readyz: reads the outbox counters; false with the error when the database fails.
    bool Ready(std::string& detail);

    CreateResult Create(const Job& job, std::string_view idempotency_key, std::string_view request_hash,
                        std::span<const OutboxMessage> events) override;
    UpdateResult Update(std::string_view job_id, const UpdateDecision& decide) override;
    std::size_t AppendEvents(std::span<const OutboxMessage> events, JobState only_in_state) override;
    std::optional<Job> Get(std::string_view job_id) override;
    JobPage List(const JobQuery& query) override;
    std::vector<Job> NextQueued(std::size_t limit) override;
    std::vector<Job> ListInState(JobState state, std::int64_t after_position, std::size_t limit) override;
    JobCounts CountByState() override;
    void ReadPending(std::int64_t after_id, std::size_t limit, std::vector<OutboxRow>& out) override;
    void MarkSent(std::span<const std::int64_t> ids, std::int64_t now_ms) override;
    OutboxStats Outbox() override;
    PruneResult Prune(const PruneRequest& request) override;

    const std::string& Path() const noexcept { return options_.path; }
    /// Write transactions committed and changes written (changes / commits = the group size).
    std::uint64_t Commits() const { return committer_->Commits(); }
    std::uint64_t Changes() const { return committer_->Pieces(); }

    /// The connections and their statements (defined in sqlite_statements.hpp, private to the store).
    struct Writer;
    struct Reader;

  private:
    static CreateResult CreateInTransaction(Writer& w, const Job& job, std::string_view idempotency_key,
                                            std::string_view request_hash, std::span<const OutboxMessage> events);
    static UpdateResult UpdateInTransaction(Writer& w, std::string_view job_id, const UpdateDecision& decide);

    SqliteStoreOptions options_;
    std::unique_ptr<Writer> writer_;
    std::unique_ptr<GroupCommitter> committer_;  ///< the only way to the writer connection
    std::mutex reader_mutex_;
    std::unique_ptr<Reader> reader_;
};

}  // namespace cosmic::orchestrator
