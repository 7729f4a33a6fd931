#pragma once
/// The job state machine applied to the store: every change (REST API, job-commands, simulated
/// executor) goes through here, so the checks, the events and the hooks are the same whoever asks.
/// A change is one store transaction: the new job row plus its outbox events, or nothing.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/job_orchestrator/job.hpp"
#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/job_orchestrator/request_context.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {

enum class JobErrorCode {
    kNotFound,             ///< no such job, or not visible to the actor (404 either way)
    kConflict,             ///< the transition is not allowed from the current state (409)
    kIdempotencyMismatch,  ///< the idempotency key was used for a different request (422)
    kDuplicateId,          ///< a job with the requested id exists (command.submit)
};

/// "not_found", "invalid_transition", "idempotency_key_reused", "duplicate_job_id".
std::string_view ToString(JobErrorCode code) noexcept;

struct JobError {
    JobErrorCode code = JobErrorCode::kNotFound;
    std::string message;
    std::optional<JobState> current;  ///< kConflict: the state the job is in
};

struct JobResult {
    std::optional<JobError> error;
    Job job;
    /// Submit: false when an earlier request with the same idempotency key already created the job.
    bool created = false;

    explicit operator bool() const noexcept { return !error.has_value(); }
};

struct SubmitRequest {
    std::string job_id;  ///< empty = generate a UUID (client-chosen ids come from command.submit)
    std::string name;
    std::string kind;
    std::string parameters = "{}";  ///< minified JSON object
    int priority = 5;
    std::string idempotency_key;
};

/// What the service tells the rest of the process after a committed change.
struct JobServiceHooks {
    /// Outbox rows were committed (wakes the relay).
    std::function<void()> outbox_written;
    /// A job entered queued (wakes the executor).
    std::function<void()> job_queued;
    /// A committed state change (metrics, the executor); `from` is nullopt for a new job.
    std::function<void(const Job& job, std::optional<JobState> from, JobState to)> transition;
};

class JobService {
  public:
    /// `clock` stamps created_at / updated_at and the events (the service passes its own).
    JobService(JobStore& store, JobServiceHooks hooks, std::string source = "job-orchestrator",
               schema::EpochClock clock = schema::NowEpochMs);

    /// Creates the job for the actor's user (submitted) and queues it (queued): two changes, each
    /// with its job-lifecycle and audit events. Same idempotency key + same request returns the
    /// first job without writing anything.
    JobResult Submit(const SubmitRequest& request, const RequestContext& context);

    /// submitted -> queued.
    JobResult Queue(std::string_view job_id, const RequestContext& context);
    /// queued -> running, run by `executor` (kSimulatedExecutor or kExternalExecutor).
    JobResult Start(std::string_view job_id, std::string_view executor, const RequestContext& context);
    /// running -> completed; execution time measured from the start when not given. A final
    /// metrics sample, when given, is written in the same transaction.
    JobResult Complete(std::string_view job_id, std::optional<std::int64_t> execution_time_ms,
                       const RequestContext& context,
                       const std::optional<schema::MetricsSample>& final_sample = std::nullopt);
    /// running -> failed.
    JobResult Fail(std::string_view job_id, std::string_view error, std::string_view error_code,
                   std::optional<std::int64_t> execution_time_ms, const RequestContext& context,
                   const std::optional<schema::MetricsSample>& final_sample = std::nullopt);
    /// submitted | queued | running -> cancelled.
    JobResult Cancel(std::string_view job_id, std::string_view reason, const RequestContext& context);

    /// The job if the actor may see it.
    std::optional<Job> Get(std::string_view job_id, const Actor& actor);
    /// Lists the actor's jobs (every user's for an admin).
    JobPage List(JobQuery query, const Actor& actor);

    /// Writes job.metrics samples of running jobs in one transaction (samples of jobs that
    /// stopped running are dropped). Returns how many were written.
    std::size_t RecordSamples(const std::vector<std::pair<Job, schema::MetricsSample>>& samples);

    JobStore& Store() noexcept { return store_; }

  private:
    using Mutation = std::function<void(const Job& current, Job& next, std::int64_t now_ms)>;
    JobResult Transition(std::string_view job_id, JobState target, const RequestContext& context,
                         const Mutation& mutate, const std::optional<schema::MetricsSample>& final_sample = {});
    void AfterCommit(const Job& job, std::optional<JobState> from, JobState to);

    JobStore& store_;
    JobServiceHooks hooks_;
    std::string source_;
    schema::EpochClock clock_;
};

/// Fingerprint of a submit request (name, kind, priority, parameters) for idempotency checks.
std::string RequestHash(const SubmitRequest& request);

}  // namespace cosmic::orchestrator
