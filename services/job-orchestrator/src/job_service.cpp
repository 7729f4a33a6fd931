#include "cosmic/job_orchestrator/job_service.hpp"

#include <cstdio>
#include <utility>

#include "cosmic/job_orchestrator/job_events.hpp"
#include "cosmic/telemetry/trace.hpp"

namespace cosmic::orchestrator {
namespace {

std::int64_t ElapsedSince(std::int64_t started_at_ms, std::int64_t now_ms) {
    return started_at_ms > 0 && now_ms > started_at_ms ? now_ms - started_at_ms : 0;
}

}  // namespace

std::string_view ToString(JobErrorCode code) noexcept {
    switch (code) {
        case JobErrorCode::kNotFound:
            return "not_found";
        case JobErrorCode::kConflict:
            return "invalid_transition";
        case JobErrorCode::kIdempotencyMismatch:
            return "idempotency_key_reused";
        case JobErrorCode::kDuplicateId:
            return "duplicate_job_id";
    }
    return "error";
}

std::string RequestHash(const SubmitRequest& request) {
    // FNV-1a 64 over the fields that define the job; a separator keeps ("ab","c") != ("a","bc").
    std::uint64_t hash = 1469598103934665603ULL;
    auto mix = [&hash](std::string_view bytes) {
        for (const char c : bytes) {
            hash ^= static_cast<unsigned char>(c);
            hash *= 1099511628211ULL;
        }
        hash ^= 0xffU;
        hash *= 1099511628211ULL;
    };
    mix(request.name);
    mix(request.kind);
    mix(std::to_string(request.priority));
    mix(request.parameters);
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

JobService::JobService(JobStore& store, JobServiceHooks hooks, std::string source, schema::EpochClock clock)
    : store_(store), hooks_(std::move(hooks)), source_(std::move(source)), clock_(std::move(clock)) {}

void JobService::AfterCommit(const Job& job, std::optional<JobState> from, JobState to) {
    if (hooks_.transition) hooks_.transition(job, from, to);
    if (hooks_.outbox_written) hooks_.outbox_written();
    if (to == JobState::kQueued && hooks_.job_queued) hooks_.job_queued();
}

JobResult JobService::Submit(const SubmitRequest& request, const RequestContext& context) {
    const std::int64_t now_ms = clock_();
    Job job;
    job.job_id = request.job_id.empty() ? schema::NewUuid() : request.job_id;
    job.user_id = context.actor.user_id;
    job.name = request.name;
    job.kind = request.kind;
    job.parameters = request.parameters;
    job.priority = request.priority;
    job.state = JobState::kSubmitted;
    job.created_at_ms = now_ms;
    job.updated_at_ms = now_ms;
    job.correlation_id = context.correlation_id;
    job.traceparent = context.traceparent;

    std::vector<OutboxMessage> events;
    JobEventBuilder builder(source_);
    builder.StateChange(job, std::nullopt, context, now_ms, events);
    CreateResult created = store_.Create(job, request.idempotency_key, RequestHash(request), events);
    JobResult result;
    result.job = std::move(created.job);
    switch (created.status) {
        case CreateStatus::kCreated:
            break;
        case CreateStatus::kExisting:
            return result;  // replay: the first job, nothing new
        case CreateStatus::kKeyMismatch:
            result.error =
                JobError{JobErrorCode::kIdempotencyMismatch,
                         "Idempotency-Key was already used for a different request (job " + result.job.job_id + ")",
                         std::nullopt};
            return result;
        case CreateStatus::kDuplicateId:
            result.error = JobError{JobErrorCode::kDuplicateId, "job " + job.job_id + " already exists", std::nullopt};
            return result;
    }
    result.created = true;
    AfterCommit(result.job, std::nullopt, JobState::kSubmitted);
    // Queueing is its own change (own events); a crash in between leaves the job submitted and the
    // startup sweep queues it.
    JobResult queued = Queue(result.job.job_id, context);
    if (queued) {
        queued.created = true;
        return queued;
    }
    return result;
}

JobResult JobService::Transition(std::string_view job_id, JobState target, const RequestContext& context,
                                 const Mutation& mutate, const std::optional<schema::MetricsSample>& final_sample) {
    std::optional<JobError> error;
    std::optional<JobState> from;
    const UpdateResult updated =
        store_.Update(job_id, [&](const Job& current, Job& next, std::vector<OutboxMessage>& events) {
            if (!MayAccess(context.actor, current.user_id)) {
                error = JobError{JobErrorCode::kNotFound, "job " + std::string(job_id) + " not found", std::nullopt};
                return false;
            }
            if (!CanTransition(current.state, target)) {
                error = JobError{JobErrorCode::kConflict,
                                 "job " + current.job_id + " is " + std::string(ToString(current.state)) +
                                     "; cannot move to " + std::string(ToString(target)),
                                 current.state};
                return false;
            }
            const std::int64_t now_ms = clock_();
            from = current.state;
            next.state = target;
            next.updated_at_ms = now_ms;
            if (mutate) mutate(current, next, now_ms);
            JobEventBuilder builder(source_);
            if (final_sample) {
                schema::MetricsSample sample = *final_sample;
                sample.execution_time_ms = next.execution_time_ms.value_or(sample.execution_time_ms);
                builder.MetricsSample(next, sample, context.correlation_id, context.traceparent, events);
            }
            builder.StateChange(next, current.state, context, now_ms, events);
            return true;
        });
    JobResult result;
    result.job = updated.job;
    switch (updated.status) {
        case UpdateStatus::kNotFound:
            result.error = JobError{JobErrorCode::kNotFound, "job " + std::string(job_id) + " not found", std::nullopt};
            break;
        case UpdateStatus::kRejected:
            result.error = std::move(error);
            break;
        case UpdateStatus::kApplied:
            AfterCommit(result.job, from, target);
            break;
    }
    return result;
}

JobResult JobService::Queue(std::string_view job_id, const RequestContext& context) {
    return Transition(job_id, JobState::kQueued, context, nullptr);
}

JobResult JobService::Start(std::string_view job_id, std::string_view executor, const RequestContext& context) {
    return Transition(job_id, JobState::kRunning, context, [executor](const Job&, Job& next, std::int64_t now_ms) {
        next.started_at_ms = now_ms;
        next.executor = std::string(executor);
    });
}

JobResult JobService::Complete(std::string_view job_id, std::optional<std::int64_t> execution_time_ms,
                               const RequestContext& context,
                               const std::optional<schema::MetricsSample>& final_sample) {
    return Transition(
        job_id, JobState::kCompleted, context,
        [execution_time_ms](const Job& current, Job& next, std::int64_t now_ms) {
            next.execution_time_ms = execution_time_ms.value_or(ElapsedSince(current.started_at_ms, now_ms));
        },
        final_sample);
}

JobResult JobService::Fail(std::string_view job_id, std::string_view error, std::string_view error_code,
                           std::optional<std::int64_t> execution_time_ms, const RequestContext& context,
                           const std::optional<schema::MetricsSample>& final_sample) {
    return Transition(
        job_id, JobState::kFailed, context,
        [&](const Job& current, Job& next, std::int64_t now_ms) {
            next.error = std::string(error);
            next.error_code = std::string(error_code);
            next.execution_time_ms = execution_time_ms.value_or(ElapsedSince(current.started_at_ms, now_ms));
        },
        final_sample);
}

JobResult JobService::Cancel(std::string_view job_id, std::string_view reason, const RequestContext& context) {
    return Transition(job_id, JobState::kCancelled, context, [&](const Job& current, Job& next, std::int64_t now_ms) {
        next.reason = std::string(reason);
        if (current.state == JobState::kRunning) {
            next.execution_time_ms = ElapsedSince(current.started_at_ms, now_ms);
        }
    });
}

std::optional<Job> JobService::Get(std::string_view job_id, const Actor& actor) {
    std::optional<Job> job = store_.Get(job_id);
    if (job && !MayAccess(actor, job->user_id)) return std::nullopt;
    return job;
}

JobPage JobService::List(JobQuery query, const Actor& actor) {
    if (!actor.admin) query.user_id = actor.user_id;
    return store_.List(query);
}

std::size_t JobService::RecordSamples(const std::vector<std::pair<Job, schema::MetricsSample>>& samples) {
    std::vector<OutboxMessage> events;
    events.reserve(samples.size());
    JobEventBuilder builder(source_);
    for (const auto& [job, sample] : samples) {
        // Samples continue the trace of the request that submitted the job.
        const auto parent = telemetry::ParseTraceparent(job.traceparent);
        const std::string traceparent = (parent ? parent->Child() : telemetry::NewTrace()).ToTraceparent();
        builder.MetricsSample(job, sample, job.correlation_id, traceparent, events);
    }
    const std::size_t written = store_.AppendEvents(events, JobState::kRunning);
    if (written > 0 && hooks_.outbox_written) hooks_.outbox_written();
    return written;
}

}  // namespace cosmic::orchestrator
