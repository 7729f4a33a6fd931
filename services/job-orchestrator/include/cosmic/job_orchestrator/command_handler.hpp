#pragma once
/// job-commands (group job-orchestrator-group): command.submit, command.cancel and command.report
/// go through the same JobService as the REST API. An external executor reports
/// running/completed/failed with command.report.
///
/// Outcomes: applied -> kOk; a redelivered command whose effect is already there (same job
/// submitted by the same user, already cancelled, already in the reported state) -> kOk without a
/// second event; a command that can never apply (unknown job, forbidden transition, invalid
/// fields) -> dead letter with the reason; a store failure -> retry.

#include <string>

#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/kafka/delivery.hpp"
#include "cosmic/kafka/outcome.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {

class CommandHandler {
  public:
    explicit CommandHandler(JobService& jobs) : jobs_(jobs) {}

    /// The runner handler for "command.*". Throws kafka::PermanentError for a command that can
    /// never apply (the message becomes dlq.error.message).
    kafka::Outcome Handle(const schema::Event& event, const kafka::Delivery& from);

  private:
    kafka::Outcome Submit(const schema::Event& event, const RequestContext& context);
    kafka::Outcome Cancel(const schema::Event& event, const RequestContext& context);
    kafka::Outcome Report(const schema::Event& event, const RequestContext& context);

    JobService& jobs_;
};

}  // namespace cosmic::orchestrator
