#include "cosmic/audit_consumer/record_mapper.hpp"

#include <simdjson.h>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"

namespace cosmic::audit {

struct RecordMapper::Impl {
    simdjson::dom::parser parser;
};

RecordMapper::RecordMapper() : impl_(std::make_unique<Impl>()) {}
RecordMapper::~RecordMapper() = default;

namespace {

/// A string member of `object`, or empty when absent or not a string.
std::string_view StringField(simdjson::dom::object object, std::string_view key) {
    std::string_view value;
    if (object[key].get(value) != simdjson::SUCCESS) return {};
    return value;
}

void Assign(std::string& out, std::string_view value) { out.assign(value.substr(0, RecordMapper::kMaxExtractedField)); }

}  // namespace

void RecordMapper::Map(const kafka::Record& in, std::int64_t now_ms, AuditRecord& out) {
    out.Clear();
    out.topic.assign(in.from.topic);
    out.partition = in.from.partition;
    out.offset = in.from.offset;
    out.kafka_timestamp_ms = in.from.timestamp_ms;
    if (in.event != nullptr) {
        MapValid(*in.event, out);
    } else {
        static const schema::Violation kUnknown{"", "invalid record"};
        MapInvalid(in.violation != nullptr ? *in.violation : kUnknown, in.value, out);
        // The retention clock of an invalid record is the broker's timestamp: a record that
        // failed validation does not get to choose how long it is kept.
        if (in.from.timestamp_ms >= 0) {
            out.occurred_at_ms = in.from.timestamp_ms;
        } else if (auto ms = schema::ParseTimestamp(out.occurred_at)) {
            out.occurred_at_ms = *ms;
        } else {
            out.occurred_at_ms = now_ms;
        }
    }
}

void RecordMapper::MapValid(const schema::Event& event, AuditRecord& out) {
    out.valid = true;
    out.event_id = event.event_id;
    out.event_type = event.event_type;
    out.occurred_at = event.occurred_at;
    out.occurred_at_ms = event.occurred_at_ms;
    out.source = event.source;
    out.correlation_id = event.correlation_id;
    out.user_id = event.user_id;
    out.payload = event.payload;
    if (event.topic == schema::TopicId::kAuditTrail) {
        out.resource_id = event.resource_id;
        out.action.assign(schema::ToString(event.action));
    }
    // The envelope parser keeps an audit event's job (top-level or payload job_id): no second parse.
    out.job_id = event.job_id;
}

void RecordMapper::MapInvalid(const schema::Violation& violation, std::string_view value, AuditRecord& out) {
    out.valid = false;
    out.violation = violation.ToString();
    out.raw.assign(value);
    simdjson::dom::object root;
    if (impl_->parser.parse(value.data(), value.size()).get(root) != simdjson::SUCCESS) return;
    Assign(out.event_id, StringField(root, "event_id"));
    Assign(out.event_type, StringField(root, "event_type"));
    Assign(out.occurred_at, StringField(root, "occurred_at"));
    Assign(out.source, StringField(root, "source"));
    Assign(out.correlation_id, StringField(root, "correlation_id"));
    Assign(out.user_id, StringField(root, "user_id"));
    Assign(out.resource_id, StringField(root, "resource_id"));
    Assign(out.action, StringField(root, "action"));
    std::string_view job_id = StringField(root, "job_id");
    simdjson::dom::object payload;
    if (job_id.empty() && root["payload"].get(payload) == simdjson::SUCCESS) job_id = StringField(payload, "job_id");
    Assign(out.job_id, job_id);
}

}  // namespace cosmic::audit
