#pragma once
/// The events a state change writes to the outbox, built in one place so the REST API, the
/// job-commands handler and the simulated executor emit exactly the same records:
/// a job-lifecycle event, an audit-trail STATE_CHANGE event, and (from the executor) job.metrics
/// samples. Every record carries correlation_id, traceparent, user_id and the job id.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/job_orchestrator/job.hpp"
#include "cosmic/job_orchestrator/outbox_message.hpp"
#include "cosmic/job_orchestrator/request_context.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {

inline constexpr std::string_view kSourceName = "job-orchestrator";

/// Builds outbox rows. Reuses one serialization buffer; not thread-safe (one per writer).
class JobEventBuilder {
  public:
    explicit JobEventBuilder(std::string source = std::string(kSourceName));

    /// Appends the job.<state> event and the audit.state_change event for `job`, which has just
    /// entered job.state from `from` (nullopt for a new job), at `now_ms`.
    void StateChange(const Job& job, std::optional<JobState> from, const RequestContext& context, std::int64_t now_ms,
                     std::vector<OutboxMessage>& out);

    /// Appends one job.metrics sample of `job`.
    void MetricsSample(const Job& job, const schema::MetricsSample& sample, std::string_view correlation_id,
                       std::string_view traceparent, std::vector<OutboxMessage>& out);

  private:
    void Append(const schema::Event& event, std::string_view traceparent, std::vector<OutboxMessage>& out);
    std::string LifecyclePayload(const Job& job, std::optional<JobState> from) const;
    std::string AuditPayload(const Job& job, std::optional<JobState> from, const RequestContext& context) const;

    std::string source_;
    kafka::Headers headers_;
};

}  // namespace cosmic::orchestrator
