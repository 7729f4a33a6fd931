#include "cosmic/job_orchestrator/job_events.hpp"

#include <charconv>
#include <utility>

#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::orchestrator {

JobEventBuilder::JobEventBuilder(std::string source) : source_(std::move(source)) {
    namespace h = kafka::header;
    headers_ = {{std::string(h::kEventType), ""},
                {std::string(h::kSchemaVersion), ""},
                {std::string(h::kCorrelationId), ""},
                {std::string(h::kContentType), std::string(h::kJsonContentType)},
                {std::string(h::kTraceparent), ""}};
}

void JobEventBuilder::Append(const schema::Event& event, std::string_view traceparent,
                             std::vector<OutboxMessage>& out) {
    OutboxMessage& message = out.emplace_back();
    message.job_id = event.topic == schema::TopicId::kAuditTrail ? event.resource_id : event.job_id;
    message.topic = std::string(schema::Spec(event.topic).name);
    message.key = std::string(event.Key());
    message.event_id = event.event_id;
    message.event_type = event.event_type;
    schema::Serialize(event, message.value);
    // The same headers kafka::Producer::Publish puts on every event (DESIGN.md §5).
    headers_[0].value = event.event_type;
    char version[16];
    const auto [end, ec] = std::to_chars(std::begin(version), std::end(version), event.schema_version);
    headers_[1].value.assign(version, ec == std::errc() ? static_cast<std::size_t>(end - version) : 0);
    headers_[2].value = event.correlation_id;
    headers_[4].value = traceparent;
    EncodeHeaders(headers_, message.headers);
}

std::string JobEventBuilder::LifecyclePayload(const Job& job, std::optional<JobState> from) const {
    std::string payload;
    schema::JsonWriter w(payload);
    w.BeginObject();
    w.Key("name").String(job.name);
    w.Key("kind").String(job.kind);
    w.Key("priority").Int(job.priority);
    w.Key("status").String(ToString(job.state));
    w.Key("previous_status");
    if (from) {
        w.String(ToString(*from));
    } else {
        w.Null();
    }
    switch (job.state) {
        case JobState::kRunning:
            w.Key("executor").String(job.executor);
            break;
        case JobState::kCompleted:
            w.Key("execution_time_ms").Int(job.execution_time_ms.value_or(0));
            break;
        case JobState::kFailed:
            w.Key("error").String(job.error);
            if (!job.error_code.empty()) w.Key("error_code").String(job.error_code);
            if (job.execution_time_ms) w.Key("execution_time_ms").Int(*job.execution_time_ms);
            break;
        case JobState::kCancelled:
            w.Key("reason").String(job.reason);
            if (job.execution_time_ms) w.Key("execution_time_ms").Int(*job.execution_time_ms);
            break;
        default:
            break;
    }
    w.EndObject();
    return payload;
}

std::string JobEventBuilder::AuditPayload(const Job& job, std::optional<JobState> from,
                                          const RequestContext& context) const {
    std::string payload;
    schema::JsonWriter w(payload);
    w.BeginObject();
    w.Key("resource_type").String("job");
    w.Key("job_id").String(job.job_id);
    w.Key("owner").String(job.user_id);
    w.Key("from");
    if (from) {
        w.String(ToString(*from));
    } else {
        w.Null();
    }
    w.Key("to").String(ToString(job.state));
    w.Key("actor_type").String(ToString(context.actor.kind));
    w.Key("actor").String(context.actor.user_id);
    w.Key("admin").Bool(context.actor.admin);
    if (job.state == JobState::kFailed) w.Key("error").String(job.error);
    if (job.state == JobState::kCancelled) w.Key("reason").String(job.reason);
    w.EndObject();
    return payload;
}

void JobEventBuilder::StateChange(const Job& job, std::optional<JobState> from, const RequestContext& context,
                                  std::int64_t now_ms, std::vector<OutboxMessage>& out) {
    schema::Event lifecycle = schema::NewEvent(schema::TopicId::kJobLifecycle, LifecycleEventType(job.state), source_);
    lifecycle.occurred_at_ms = now_ms;
    lifecycle.occurred_at = schema::FormatTimestamp(now_ms);
    lifecycle.correlation_id = context.correlation_id;
    lifecycle.user_id = job.user_id;
    lifecycle.job_id = job.job_id;
    lifecycle.payload = LifecyclePayload(job, from);
    Append(lifecycle, context.traceparent, out);

    schema::Event audit = schema::NewEvent(schema::TopicId::kAuditTrail,
                                           schema::AuditEventType(schema::AuditAction::kStateChange), source_);
    audit.occurred_at_ms = now_ms;
    audit.occurred_at = lifecycle.occurred_at;
    audit.correlation_id = context.correlation_id;
    // The audit trail records who acted; a system transition is attributed to the job's owner.
    audit.user_id = context.actor.user_id.empty() ? job.user_id : context.actor.user_id;
    audit.resource_id = job.job_id;
    audit.job_id = job.job_id;
    audit.action = schema::AuditAction::kStateChange;
    audit.payload = AuditPayload(job, from, context);
    Append(audit, context.traceparent, out);
}

void JobEventBuilder::MetricsSample(const Job& job, const schema::MetricsSample& sample,
                                    std::string_view correlation_id, std::string_view traceparent,
                                    std::vector<OutboxMessage>& out) {
    schema::Event event = schema::NewEvent(schema::TopicId::kJobMetrics, "job.metrics", source_);
    event.correlation_id = correlation_id;
    event.user_id = job.user_id;
    event.job_id = job.job_id;
    event.sample = sample;
    event.execution_time_ms = sample.execution_time_ms;
    event.payload = schema::MetricsPayload(sample);
    Append(event, traceparent, out);
}

}  // namespace cosmic::orchestrator
