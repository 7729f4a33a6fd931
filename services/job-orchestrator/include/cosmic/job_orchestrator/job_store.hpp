#pragma once
/// The orchestrator's store: jobs plus the transactional outbox. A state change and the events it
/// produces are written in one transaction, so an event exists exactly when its change does.
///
/// Kept narrow on purpose (DESIGN.md §7 "Stores and scale-out"): SqliteJobStore (embedded) and PgJobStore (replicas sharing one database).
/// Every method is thread-safe.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/job_orchestrator/job.hpp"
#include "cosmic/job_orchestrator/job_state.hpp"
#include "cosmic/job_orchestrator/outbox_message.hpp"

namespace cosmic::orchestrator {

enum class CreateStatus {
    kCreated,      ///< new job written with its events
    kExisting,     ///< same (user, idempotency key) as an earlier job: nothing written
    kKeyMismatch,  ///< same (user, idempotency key) but a different request: nothing written
    kDuplicateId,  ///< a job with this id exists (client-chosen ids from job-commands)
};

struct CreateResult {
    CreateStatus status = CreateStatus::kCreated;
    Job job;  ///< the new job, or the existing one
};

/// Decides a change inside the store's transaction: gets the current job, fills `next` and the
/// events to write, and returns true to apply them (false writes nothing).
using UpdateDecision = std::function<bool(const Job& current, Job& next, std::vector<OutboxMessage>& events)>;

enum class UpdateStatus { kNotFound, kRejected, kApplied };

struct UpdateResult {
    UpdateStatus status = UpdateStatus::kNotFound;
    Job job;  ///< after the change (kApplied) or as it is (kRejected)
};

struct OutboxStats {
    std::int64_t pending = 0;
    /// created_at of the oldest pending row; nullopt when none is pending.
    std::optional<std::int64_t> oldest_pending_ms;
};

struct PruneRequest {
    std::int64_t sent_before_ms = 0;                      ///< delete sent outbox rows created before this
    std::int64_t idempotency_before_ms = 0;               ///< forget idempotency keys of jobs created before this
    std::optional<std::int64_t> terminal_jobs_before_ms;  ///< delete finished jobs last updated before this
    std::size_t chunk = 5000;                             ///< rows per transaction, so writers are not held up long
};

struct PruneResult {
    std::int64_t outbox_rows = 0;
    std::int64_t idempotency_keys = 0;
    std::int64_t jobs = 0;
};

using JobCounts = std::array<std::int64_t, kJobStateCount>;

class JobStore {
  public:
    virtual ~JobStore() = default;

    /// Writes a new job and its events. With a non-empty `idempotency_key`, an earlier job of the
    /// same user with the same key is returned instead (kExisting when `request_hash` matches,
    /// kKeyMismatch otherwise) and nothing is written.
    virtual CreateResult Create(const Job& job, std::string_view idempotency_key, std::string_view request_hash,
                                std::span<const OutboxMessage> events) = 0;

    /// Reads the job, asks `decide`, and writes the new job row and its events atomically.
    virtual UpdateResult Update(std::string_view job_id, const UpdateDecision& decide) = 0;

    /// Appends events of existing jobs (metrics samples) in one transaction, skipping the events of
    /// jobs that are gone or not in `only_in_state`. Returns how many were written.
    virtual std::size_t AppendEvents(std::span<const OutboxMessage> events, JobState only_in_state) = 0;

    virtual std::optional<Job> Get(std::string_view job_id) = 0;
    virtual JobPage List(const JobQuery& query) = 0;
    /// Queued jobs in start order: highest priority first, then oldest.
    virtual std::vector<Job> NextQueued(std::size_t limit) = 0;
    /// Jobs in `state`, oldest first, after `after_position`.
    virtual std::vector<Job> ListInState(JobState state, std::int64_t after_position, std::size_t limit) = 0;
    virtual JobCounts CountByState() = 0;

    /// Pending outbox rows with id > `after_id`, in id order (= commit order), into `out` (cleared).
    virtual void ReadPending(std::int64_t after_id, std::size_t limit, std::vector<OutboxRow>& out) = 0;
    /// Marks rows delivered.
    virtual void MarkSent(std::span<const std::int64_t> ids, std::int64_t now_ms) = 0;
    virtual OutboxStats Outbox() = 0;

    /// Deletes what the retention settings allow, in chunks.
    virtual PruneResult Prune(const PruneRequest& request) = 0;
};

}  // namespace cosmic::orchestrator
