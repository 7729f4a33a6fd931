#include "cosmic/job_orchestrator/command_handler.hpp"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "cosmic/job_orchestrator/job_validation.hpp"

namespace cosmic::orchestrator {
namespace {

namespace dom = simdjson::dom;

/// The payload fields the commands use (the schema parser checks their presence and types for
/// the fields it knows; the rest are read here).
struct CommandPayload {
    std::string name;
    std::string kind;
    std::string parameters = "{}";
    std::optional<std::int64_t> priority;
    std::string status;
    std::optional<std::int64_t> execution_time_ms;
    std::string error;
    std::string error_code;
    std::optional<std::string> reason;
};

/// A command whose fields can never apply (dlq.error.class "invalid_command").
kafka::Outcome Invalid(std::string reason) {
    return kafka::Outcome::DeadLetter(std::string(kInvalidCommand), std::move(reason));
}

/// A command the job service refused (unknown job, forbidden transition, id taken): the error
/// code names the class ("not_found", "invalid_transition", "duplicate_job_id", ...).
kafka::Outcome Refused(const JobError& error) {
    return kafka::Outcome::DeadLetter(std::string(ToString(error.code)), error.message);
}

std::optional<std::string> StringField(dom::object& object, std::string_view key) {
    std::string_view text;
    if (object.at_key(key).get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
    return std::string(text);
}

/// Reads the payload into `out`; the reason when it is not a usable command payload.
std::optional<std::string> ReadPayload(std::string_view payload, CommandPayload& out) {
    thread_local dom::parser parser;
    dom::object object;
    if (parser.parse(payload.data(), payload.size(), true).get_object().get(object) != simdjson::SUCCESS) {
        return "payload: expected a JSON object";
    }
    out.name = StringField(object, "name").value_or("");
    out.kind = StringField(object, "kind").value_or("");
    out.status = StringField(object, "status").value_or("");
    out.error = StringField(object, "error").value_or("");
    out.error_code = StringField(object, "error_code").value_or("");
    out.reason = StringField(object, "reason");
    dom::element value;
    if (object.at_key("parameters").get(value) == simdjson::SUCCESS && !value.is_null()) {
        if (!value.is_object()) return "payload.parameters: expected object";
        out.parameters = simdjson::minify(value);
    }
    if (object.at_key("priority").get(value) == simdjson::SUCCESS && !value.is_null()) {
        std::int64_t priority = 0;
        if (value.get_int64().get(priority) != simdjson::SUCCESS) return "payload.priority: expected integer";
        out.priority = priority;
    }
    if (object.at_key("execution_time_ms").get(value) == simdjson::SUCCESS && !value.is_null()) {
        std::int64_t ms = 0;
        if (value.get_int64().get(ms) != simdjson::SUCCESS || ms < 0) {
            return "payload.execution_time_ms: expected integer >= 0";
        }
        out.execution_time_ms = ms;
    }
    return std::nullopt;
}

}  // namespace

kafka::Outcome CommandHandler::Handle(const schema::Event& event, const kafka::Delivery& from) {
    const RequestContext context =
        MakeContext(Actor{ActorKind::kCommand, event.user_id, false}, event.correlation_id, from.Traceparent());
    if (event.event_type == "command.submit") return Submit(event, context);
    if (event.event_type == "command.cancel") return Cancel(event, context);
    if (event.event_type == "command.report") return Report(event, context);
    return Invalid("unknown command " + event.event_type);
}

kafka::Outcome CommandHandler::Submit(const schema::Event& event, const RequestContext& context) {
    if (event.user_id.empty()) return Invalid("user_id: required for command.submit (the job's owner)");
    CommandPayload payload;
    if (auto error = ReadPayload(event.payload, payload)) return Invalid(std::move(*error));
    SubmitRequest request;
    request.job_id = event.job_id;
    request.name = payload.name;
    request.kind = payload.kind;
    request.parameters = payload.parameters;
    if (payload.priority && (*payload.priority < kMinPriority || *payload.priority > kMaxPriority)) {
        return Invalid("payload.priority: must be an integer 0-9");
    }
    request.priority = payload.priority ? static_cast<int>(*payload.priority) : kDefaultPriority;
    if (auto error = ValidateSubmit(request)) return Invalid("payload." + error->ToString());
    JobResult result = jobs_.Submit(request, context);
    if (result) return kafka::Outcome::Ok();
    if (result.error->code == JobErrorCode::kDuplicateId && result.job.user_id == event.user_id) {
        return kafka::Outcome::Ok();  // redelivered: the job exists already
    }
    return Refused(*result.error);
}

kafka::Outcome CommandHandler::Cancel(const schema::Event& event, const RequestContext& context) {
    CommandPayload payload;
    if (auto error = ReadPayload(event.payload, payload)) return Invalid(std::move(*error));
    const std::string reason = payload.reason.value_or("cancelled by command");
    if (reason.size() > kMaxReasonBytes) return Invalid("payload.reason: must be at most 1024 bytes");
    JobResult result = jobs_.Cancel(event.job_id, reason, context);
    if (result) return kafka::Outcome::Ok();
    if (result.error->current == JobState::kCancelled) return kafka::Outcome::Ok();  // redelivered
    return Refused(*result.error);
}

kafka::Outcome CommandHandler::Report(const schema::Event& event, const RequestContext& context) {
    CommandPayload payload;
    if (auto error = ReadPayload(event.payload, payload)) return Invalid(std::move(*error));
    JobResult result;
    JobState target = JobState::kRunning;
    if (payload.status == "running") {
        result = jobs_.Start(event.job_id, kExternalExecutor, context);
    } else if (payload.status == "completed") {
        target = JobState::kCompleted;
        result = jobs_.Complete(event.job_id, payload.execution_time_ms, context);
    } else if (payload.status == "failed") {
        target = JobState::kFailed;
        if (payload.error.empty()) return Invalid("payload.error: required for status failed");
        if (payload.error.size() > kMaxErrorBytes) return Invalid("payload.error: must be at most 4096 bytes");
        if (payload.error_code.size() > kMaxErrorCodeBytes) {
            return Invalid("payload.error_code: must be at most 128 bytes");
        }
        result = jobs_.Fail(event.job_id, payload.error, payload.error_code, payload.execution_time_ms, context);
    } else {
        return Invalid("payload.status: must be one of running|completed|failed");
    }
    if (result) return kafka::Outcome::Ok();
    if (result.error->current == target) return kafka::Outcome::Ok();  // redelivered
    return Refused(*result.error);
}

}  // namespace cosmic::orchestrator
