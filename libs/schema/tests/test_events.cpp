#include "test_events.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>

#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::schema::testing {

Event MakeValidEvent(TopicId topic, std::string_view event_type) {
    Event event = NewEvent(topic, event_type, "test-source");
    event.correlation_id = NewUuid();
    event.user_id = "user-42";
    event.schema_version = kSchemaVersion;
    event.payload = R"({"note":"sample","n":[1,2.5,null,true],"nested":{"k":"\u00e9\n"}})";
    switch (topic) {
        case TopicId::kJobLifecycle:
        case TopicId::kJobMetrics:
        case TopicId::kJobCommands:
            event.job_id = "job-" + NewUuid();
            break;
        case TopicId::kNotifications:
            event.channel = Channel::kWebhook;
            break;
        case TopicId::kAuditTrail:
            event.resource_id = "job-7";
            for (const auto action : {AuditAction::kCreate, AuditAction::kUpdate, AuditAction::kDelete,
                                      AuditAction::kStateChange, AuditAction::kAccess, AuditAction::kAlert}) {
                if (AuditEventType(action) == event_type) {
                    event.action = action;
                }
            }
            break;
        case TopicId::kSystemHealth:
            event.component_id = "metrics-consumer-0";
            event.status = HealthStatus::kDegraded;
            event.metrics = R"({"lag":12,"uptime_s":3.5})";
            break;
    }
    if (event_type == "job.metrics") {
        event.sample = MetricsSample{173.25, 1024.5, 0.1, 3e-7, 98765, FormatTimestamp(event.occurred_at_ms - 5)};
        event.execution_time_ms = event.sample.execution_time_ms;
        event.payload = MetricsPayload(event.sample);
    } else if (event_type == "job.completed") {
        event.execution_time_ms = 123456;
        event.payload = CompletedPayload(123456);
    } else if (event_type == "job.failed") {
        event.error = "executor crashed: \"segfault\"";
        event.error_code = "E_CRASH";
        event.execution_time_ms = 42;
        event.payload = FailedPayload(event.error, event.error_code, 42);
    } else if (event_type == "job.cancelled") {
        event.reason = "user asked";
        event.payload = CancelledPayload(event.reason);
    } else if (event_type == "command.submit") {
        event.payload = R"({"name":"nightly imaging","kind":"imaging","parameters":{"band":"L"},"priority":5})";
    } else if (event_type == "command.report") {
        event.payload = R"({"status":"completed","execution_time_ms":77})";
        event.execution_time_ms = 77;
    }
    return event;
}

std::vector<std::pair<TopicId, std::string_view>> AllEventTypes() {
    std::vector<std::pair<TopicId, std::string_view>> all;
    for (const auto& topic : AllTopics()) {
        for (const auto type : topic.event_types) {
            all.emplace_back(topic.id, type);
        }
    }
    return all;
}

void ExpectSameEvent(const Event& expected, const Event& actual) {
    EXPECT_EQ(expected.topic, actual.topic);
    EXPECT_EQ(expected.event_id, actual.event_id);
    EXPECT_EQ(expected.event_type, actual.event_type);
    EXPECT_EQ(expected.schema_version, actual.schema_version);
    EXPECT_EQ(expected.occurred_at, actual.occurred_at);
    EXPECT_EQ(expected.occurred_at_ms, actual.occurred_at_ms);
    EXPECT_EQ(expected.source, actual.source);
    EXPECT_EQ(expected.correlation_id, actual.correlation_id);
    EXPECT_EQ(expected.user_id, actual.user_id);
    EXPECT_EQ(expected.job_id, actual.job_id);
    EXPECT_EQ(expected.channel, actual.channel);
    EXPECT_EQ(expected.resource_id, actual.resource_id);
    EXPECT_EQ(expected.action, actual.action);
    EXPECT_EQ(expected.component_id, actual.component_id);
    EXPECT_EQ(expected.status, actual.status);
    EXPECT_EQ(expected.metrics, actual.metrics);
    EXPECT_EQ(expected.payload, actual.payload);
    EXPECT_EQ(expected.sample.cpu_percent, actual.sample.cpu_percent);
    EXPECT_EQ(expected.sample.memory_mb, actual.sample.memory_mb);
    EXPECT_EQ(expected.sample.io_read_mb, actual.sample.io_read_mb);
    EXPECT_EQ(expected.sample.io_write_mb, actual.sample.io_write_mb);
    EXPECT_EQ(expected.sample.execution_time_ms, actual.sample.execution_time_ms);
    EXPECT_EQ(expected.sample.sampled_at, actual.sample.sampled_at);
    EXPECT_EQ(expected.execution_time_ms, actual.execution_time_ms);
    EXPECT_EQ(expected.error, actual.error);
    EXPECT_EQ(expected.error_code, actual.error_code);
    EXPECT_EQ(expected.reason, actual.reason);
}

JsonFields::JsonFields(std::string_view object_json) {
    simdjson::dom::parser parser;
    simdjson::padded_string padded(object_json);
    simdjson::dom::object object;
    const auto error = parser.parse(padded).get_object().get(object);
    EXPECT_EQ(error, simdjson::SUCCESS) << object_json;
    if (error) {
        return;
    }
    for (const auto member : object) {
        fields_.emplace_back(std::string(member.key), simdjson::minify(member.value));
    }
}

JsonFields& JsonFields::Set(std::string_view key, std::string_view raw_value) {
    const auto it = std::find_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.first == key; });
    if (it == fields_.end()) {
        fields_.emplace_back(std::string(key), std::string(raw_value));
    } else {
        it->second = std::string(raw_value);
    }
    return *this;
}

JsonFields& JsonFields::Remove(std::string_view key) {
    std::erase_if(fields_, [&](const auto& f) { return f.first == key; });
    return *this;
}

JsonFields& JsonFields::SetIn(std::string_view key, std::string_view inner_key, std::string_view raw_value) {
    return Set(key, JsonFields(Get(key)).Set(inner_key, raw_value).Render());
}

JsonFields& JsonFields::RemoveIn(std::string_view key, std::string_view inner_key) {
    return Set(key, JsonFields(Get(key)).Remove(inner_key).Render());
}

std::string JsonFields::Get(std::string_view key) const {
    const auto it = std::find_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.first == key; });
    EXPECT_NE(it, fields_.end()) << key;
    return it == fields_.end() ? std::string() : it->second;
}

std::string JsonFields::Render() const {
    std::string out;
    JsonWriter writer(out);
    writer.BeginObject();
    for (const auto& [key, value] : fields_) {
        writer.Key(key).Raw(value);
    }
    writer.EndObject();
    return out;
}

JsonFields ValidFields(TopicId topic, std::string_view event_type) {
    return JsonFields(Serialize(MakeValidEvent(topic, event_type)));
}

}  // namespace cosmic::schema::testing
