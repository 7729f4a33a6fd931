#pragma once
/// job-commands (group job-orchestrator-group): command.submit, command.cancel and command.report
/// go through the same JobService as the REST API. An external executor reports
/// running/completed/failed with command.report.
///
/// Outcomes: applied -> kOk; a redelivered command whose effect is already there (same job
/// submitted by the same user, already cancelled, already in the reported state) -> kOk without a
/// second event; a command that can never apply (unknown job, forbidden transition, invalid
/// fields) -> dead letter with the reason, returned, not thrown (it is routine bad input); a store
/// failure (an exception from the store) -> retry.

#include <string>
#include <string_view>

#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/kafka/delivery.hpp"
#include "cosmic/kafka/outcome.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {

/// dlq.error.class of a command whose fields can never apply (missing, malformed, out of range).
inline constexpr std::string_view kInvalidCommand = "invalid_command";

class CommandHandler {
  public:
    explicit CommandHandler(JobService& jobs) : jobs_(jobs) {}

    /// The runner handler for "command.*". A command that can never apply is
    /// Outcome::DeadLetter: class kInvalidCommand for fields that cannot apply, the job
    /// service's error code (ToString(JobErrorCode): "not_found", "invalid_transition", ...) for
    /// a refusal; the reason becomes dlq.error.message.
    kafka::Outcome Handle(const schema::Event& event, const kafka::Delivery& from);

  private:
    kafka::Outcome Submit(const schema::Event& event, const RequestContext& context);
    kafka::Outcome Cancel(const schema::Event& event, const RequestContext& context);
    kafka::Outcome Report(const schema::Event& event, const RequestContext& context);

    JobService& jobs_;
};

}  // namespace cosmic::orchestrator
