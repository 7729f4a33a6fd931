#include "cosmic/job_orchestrator/command_handler.hpp"

#include <simdjson.h>

#include <optional>
#include <string>
#include <string_view>

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

[[noreturn]] void Reject(const std::string& message) { throw kafka::PermanentError(message); }

std::optional<std::string> StringField(dom::object& object, std::string_view key) {
    std::string_view text;
    if (object.at_key(key).get_string().get(text) != simdjson::SUCCESS) return std::nullopt;
    return std::string(text);
}

CommandPayload ReadPayload(std::string_view payload) {
    thread_local dom::parser parser;
    dom::object object;
    if (parser.parse(payload.data(), payload.size(), true).get_object().get(object) != simdjson::SUCCESS) {
        Reject("payload: expected a JSON object");
    }
    CommandPayload out;
    out.name = StringField(object, "name").value_or("");
    out.kind = StringField(object, "kind").value_or("");
    out.status = StringField(object, "status").value_or("");
    out.error = StringField(object, "error").value_or("");
    out.error_code = StringField(object, "error_code").value_or("");
    out.reason = StringField(object, "reason");
    dom::element value;
    if (object.at_key("parameters").get(value) == simdjson::SUCCESS && !value.is_null()) {
        if (!value.is_object()) Reject("payload.parameters: expected object");
        out.parameters = simdjson::minify(value);
    }
    if (object.at_key("priority").get(value) == simdjson::SUCCESS && !value.is_null()) {
        std::int64_t priority = 0;
        if (value.get_int64().get(priority) != simdjson::SUCCESS) Reject("payload.priority: expected integer");
        out.priority = priority;
    }
    if (object.at_key("execution_time_ms").get(value) == simdjson::SUCCESS && !value.is_null()) {
        std::int64_t ms = 0;
        if (value.get_int64().get(ms) != simdjson::SUCCESS || ms < 0) {
            Reject("payload.execution_time_ms: expected integer >= 0");
        }
        out.execution_time_ms = ms;
    }
    return out;
}

}  // namespace

kafka::Outcome CommandHandler::Handle(const schema::Event& event, const kafka::Delivery& from) {
    const RequestContext context =
        MakeContext(Actor{ActorKind::kCommand, event.user_id, false}, event.correlation_id, from.Traceparent());
    if (event.event_type == "command.submit") return Submit(event, context);
    if (event.event_type == "command.cancel") return Cancel(event, context);
    if (event.event_type == "command.report") return Report(event, context);
    Reject("unknown command " + event.event_type);
}

kafka::Outcome CommandHandler::Submit(const schema::Event& event, const RequestContext& context) {
    if (event.user_id.empty()) Reject("user_id: required for command.submit (the job's owner)");
    const CommandPayload payload = ReadPayload(event.payload);
    SubmitRequest request;
    request.job_id = event.job_id;
    request.name = payload.name;
    request.kind = payload.kind;
    request.parameters = payload.parameters;
    if (payload.priority && (*payload.priority < kMinPriority || *payload.priority > kMaxPriority)) {
        Reject("payload.priority: must be an integer 0-9");
    }
    request.priority = payload.priority ? static_cast<int>(*payload.priority) : kDefaultPriority;
    if (auto error = ValidateSubmit(request)) Reject("payload." + error->ToString());
    JobResult result = jobs_.Submit(request, context);
    if (result) return kafka::Outcome::kOk;
    if (result.error->code == JobErrorCode::kDuplicateId && result.job.user_id == event.user_id) {
        return kafka::Outcome::kOk;  // redelivered: the job exists already
    }
    Reject(result.error->message);
}

kafka::Outcome CommandHandler::Cancel(const schema::Event& event, const RequestContext& context) {
    const CommandPayload payload = ReadPayload(event.payload);
    const std::string reason = payload.reason.value_or("cancelled by command");
    if (reason.size() > kMaxReasonBytes) Reject("payload.reason: must be at most 1024 bytes");
    JobResult result = jobs_.Cancel(event.job_id, reason, context);
    if (result) return kafka::Outcome::kOk;
    if (result.error->current == JobState::kCancelled) return kafka::Outcome::kOk;  // redelivered
    Reject(result.error->message);
}

kafka::Outcome CommandHandler::Report(const schema::Event& event, const RequestContext& context) {
    const CommandPayload payload = ReadPayload(event.payload);
    JobResult result;
    JobState target = JobState::kRunning;
    if (payload.status == "running") {
        result = jobs_.Start(event.job_id, kExternalExecutor, context);
    } else if (payload.status == "completed") {
        target = JobState::kCompleted;
        result = jobs_.Complete(event.job_id, payload.execution_time_ms, context);
    } else if (payload.status == "failed") {
        target = JobState::kFailed;
        if (payload.error.empty()) Reject("payload.error: required for status failed");
        if (payload.error.size() > kMaxErrorBytes) Reject("payload.error: must be at most 4096 bytes");
        if (payload.error_code.size() > kMaxErrorCodeBytes) Reject("payload.error_code: must be at most 128 bytes");
        result = jobs_.Fail(event.job_id, payload.error, payload.error_code, payload.execution_time_ms, context);
    } else {
        Reject("payload.status: must be one of running|completed|failed");
    }
    if (result) return kafka::Outcome::kOk;
    if (result.error->current == target) return kafka::Outcome::kOk;  // redelivered
    Reject(result.error->message);
}

}  // namespace cosmic::orchestrator
