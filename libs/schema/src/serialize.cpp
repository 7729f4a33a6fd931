#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::schema {
namespace {

bool IsEmptyObject(std::string_view json) noexcept { return json.empty() || json == "{}"; }

}  // namespace

void Serialize(const Event& event, std::string& out) {
    out.clear();
    JsonWriter w(out);
    w.BeginObject();
    w.Key("event_id").String(event.event_id);
    w.Key("event_type").String(event.event_type);
    w.Key("schema_version").Int(event.schema_version);
    if (event.occurred_at.empty()) {
        w.Key("occurred_at").String(FormatTimestamp(event.occurred_at_ms));
    } else {
        w.Key("occurred_at").String(event.occurred_at);
    }
    w.Key("source").String(event.source);
    w.Key("correlation_id").String(event.correlation_id);
    w.Key("user_id").String(event.user_id);
    switch (event.topic) {
        case TopicId::kJobLifecycle:
        case TopicId::kJobMetrics:
        case TopicId::kJobCommands:
            w.Key("job_id").String(event.job_id);
            break;
        case TopicId::kNotifications:
            w.Key("channel").String(ToString(event.channel));
            break;
        case TopicId::kAuditTrail:
            w.Key("resource_id").String(event.resource_id);
            w.Key("action").String(ToString(event.action));
            if (!event.job_id.empty()) w.Key("job_id").String(event.job_id);
            break;
        case TopicId::kSystemHealth:
            w.Key("component_id").String(event.component_id);
            w.Key("status").String(ToString(event.status));
            w.Key("metrics").Raw(IsEmptyObject(event.metrics) ? std::string_view("{}") : event.metrics);
            break;
    }
    w.Key("payload");
    // A payload left at "{}" is derived from the typed fields, so setting `sample` or `error` is enough.
    if (!IsEmptyObject(event.payload) || !WriteTypedPayload(event, w)) {
        w.Raw(IsEmptyObject(event.payload) ? std::string_view("{}") : event.payload);
    }
    w.EndObject();
}

std::string Serialize(const Event& event) {
    std::string out;
    out.reserve(512);
    Serialize(event, out);
    return out;
}

}  // namespace cosmic::schema
