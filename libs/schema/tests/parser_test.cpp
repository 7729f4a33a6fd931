#include "cosmic/schema/parser.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "cosmic/schema/writer.hpp"
#include "test_events.hpp"

namespace cosmic::schema {
namespace {

using testing::JsonFields;
using testing::MakeValidEvent;
using testing::ValidFields;

// "field: reason", or "ok" when the message is accepted.
std::string Outcome(TopicId topic, std::string_view bytes, ParserOptions options = {}) {
    Parser parser(options);
    Event event;
    const auto violation = parser.Parse(topic, bytes, event);
    return violation ? violation->ToString() : "ok";
}

std::string Valid(TopicId topic, std::string_view type) { return Serialize(MakeValidEvent(topic, type)); }

// ---- Document level -------------------------------------------------------------------------

TEST(ParserDocument, EmptyAndWhitespaceOnly) {
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, ""), "empty");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, " \n\t "), "empty");
}

TEST(ParserDocument, Oversize) {
    const std::string message = Valid(TopicId::kJobLifecycle, "job.queued");
    ParserOptions options;
    options.max_message_bytes = message.size() - 1;
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, message, options),
              "larger than " + std::to_string(message.size() - 1) + " bytes");
    options.max_message_bytes = message.size();
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, message, options), "ok");
}

TEST(ParserDocument, InvalidUtf8AnywhereIsRejected) {
    const auto fields = ValidFields(TopicId::kJobLifecycle, "job.queued");
    // In a value of a field nobody reads, in a key, overlong, surrogate, truncated sequence.
    for (const std::string bad : {"\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"abc\xe2\x82\"", "\"\x80\""}) {
        EXPECT_EQ(Outcome(TopicId::kJobLifecycle, JsonFields(fields).Set("unknown", bad).Render()), "invalid UTF-8")
            << bad;
    }
    std::string bad_key = JsonFields(fields).Render();
    bad_key.insert(1, "\"k\xfe\":1,");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, bad_key), "invalid UTF-8");
    // Valid multi-byte text passes.
    EXPECT_EQ(
        Outcome(TopicId::kJobLifecycle, JsonFields(fields).Set("unknown", "\"\xf0\x9f\x9a\x80 \xc3\xa9\"").Render()),
        "ok");
}

TEST(ParserDocument, TruncatedMessagesAreRejected) {
    const std::string message = Valid(TopicId::kAuditTrail, "audit.state_change");
    for (std::size_t length = 1; length < message.size(); ++length) {
        EXPECT_NE(Outcome(TopicId::kAuditTrail, message.substr(0, length)), "ok") << length;
    }
}

TEST(ParserDocument, TrailingContentIsRejected) {
    const std::string message = Valid(TopicId::kJobLifecycle, "job.queued");
    for (const std::string tail : {"x", "}", "{}", "1", "\"s\"", ",", "]"}) {
        EXPECT_NE(Outcome(TopicId::kJobLifecycle, message + tail), "ok") << tail;
    }
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, message + " \r\n\t"), "ok");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, "\n " + message), "ok");
}

TEST(ParserDocument, NotAnObject) {
    for (const std::string doc : {"[]", "[1,2]", "\"text\"", "12", "null", "true"}) {
        EXPECT_EQ(Outcome(TopicId::kJobLifecycle, doc), "not an object") << doc;
    }
}

TEST(ParserDocument, MalformedJsonInsideFieldsNobodyReads) {
    const auto fields = ValidFields(TopicId::kJobLifecycle, "job.queued");
    for (const std::string bad : {"[1,,2]", "tru", "nul", "{\"a\" 1}", "{\"a\":1,}", "01", "1.", "-", "\"\\x\"",
                                  "\"\\ud800\"", "[1 2]", "{1:2}"}) {
        EXPECT_NE(Outcome(TopicId::kJobLifecycle, JsonFields(fields).Set("unknown", bad).Render()), "ok") << bad;
        EXPECT_NE(Outcome(TopicId::kJobLifecycle, JsonFields(fields).SetIn("payload", "unknown", bad).Render()), "ok")
            << bad;
    }
}

TEST(ParserDocument, UnescapedControlCharacterInString) {
    const auto fields = ValidFields(TopicId::kJobLifecycle, "job.queued");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, JsonFields(fields).Set("source", "\"a\tb\"").Render()),
              "unescaped control character in string");
}

std::string Nested(std::size_t levels) {
    std::string text;
    for (std::size_t i = 0; i < levels; ++i) text += "[";
    for (std::size_t i = 0; i < levels; ++i) text += "]";
    return text;
}

TEST(ParserDocument, NestingDeeperThanMaxDepth) {
    const auto fields = ValidFields(TopicId::kJobLifecycle, "job.queued");
    ParserOptions options;
    options.max_depth = 8;
    // Root object is level 1, payload level 2: 6 more arrays reach exactly 8.
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, JsonFields(fields).SetIn("payload", "deep", Nested(6)).Render(), options),
              "ok");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, JsonFields(fields).SetIn("payload", "deep", Nested(7)).Render(), options),
              "payload: nesting deeper than 8 levels");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, JsonFields(fields).Set("unknown", Nested(8)).Render(), options),
              "nesting deeper than 8 levels");
    // Far beyond any limit: rejected, not a stack overflow.
    EXPECT_NE(Outcome(TopicId::kJobLifecycle, JsonFields(fields).Set("unknown", Nested(100000)).Render()), "ok");
}

TEST(ParserDocument, DuplicateKnownField) {
    std::string message = Valid(TopicId::kJobLifecycle, "job.queued");
    message.insert(1, "\"job_id\":\"other\",");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, message), "job_id: duplicate field");
}

TEST(ParserDocument, EscapedKeysAreMatchedUnescaped) {
    std::string message = JsonFields(ValidFields(TopicId::kJobLifecycle, "job.queued")).Remove("job_id").Render();
    message.insert(1, "\"job\\u005fid\":\"job-escaped\",");
    Parser parser;
    Event event;
    ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, message, event));
    EXPECT_EQ(event.job_id, "job-escaped");
}

TEST(ParserMetrics, SampledAtIsValidatedOnItsOwnWhenItDiffersFromOccurredAt) {
    const auto fields = ValidFields(TopicId::kJobMetrics, "job.metrics");
    Parser parser;
    Event event;
    const std::string other =
        JsonFields(fields).SetIn("payload", "sampled_at", "\"2026-01-02T03:04:05.678Z\"").Render();
    ASSERT_FALSE(parser.Parse(TopicId::kJobMetrics, other, event));
    EXPECT_EQ(event.sample.sampled_at, "2026-01-02T03:04:05.678Z");
    EXPECT_NE(event.sample.sampled_at, event.occurred_at);
    // Invalid only in sampled_at (occurred_at stays valid): still rejected.
    EXPECT_EQ(Outcome(TopicId::kJobMetrics,
                      JsonFields(fields).SetIn("payload", "sampled_at", "\"2026-13-02T03:04:05Z\"").Render()),
              "payload.sampled_at: invalid RFC 3339 timestamp");
}

// ---- Envelope -------------------------------------------------------------------------------

struct Case {
    const char* name;
    TopicId topic;
    const char* type;
    std::function<void(JsonFields&)> edit;
    const char* expected;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ParserRules : public ::testing::TestWithParam<Case> {};

TEST_P(ParserRules, Outcome) {
    const Case& c = GetParam();
    JsonFields fields = ValidFields(c.topic, c.type);
    c.edit(fields);
    EXPECT_EQ(Outcome(c.topic, fields.Render()), c.expected) << fields.Render();
}

// The edits own copies of their arguments: the case tables outlive the temporaries they are built from.
std::function<void(JsonFields&)> Drop(std::string key) {
    return [key = std::move(key)](JsonFields& f) { f.Remove(key); };
}
std::function<void(JsonFields&)> Put(std::string key, std::string raw) {
    return [key = std::move(key), raw = std::move(raw)](JsonFields& f) { f.Set(key, raw); };
}
std::function<void(JsonFields&)> DropIn(std::string key, std::string inner) {
    return [key = std::move(key), inner = std::move(inner)](JsonFields& f) { f.RemoveIn(key, inner); };
}
std::function<void(JsonFields&)> PutIn(std::string key, std::string inner, std::string raw) {
    return [key = std::move(key), inner = std::move(inner), raw = std::move(raw)](JsonFields& f) {
        f.SetIn(key, inner, raw);
    };
}

constexpr auto kLife = TopicId::kJobLifecycle;
constexpr auto kMetrics = TopicId::kJobMetrics;
constexpr auto kNotify = TopicId::kNotifications;
constexpr auto kAudit = TopicId::kAuditTrail;
constexpr auto kHealth = TopicId::kSystemHealth;
constexpr auto kCommands = TopicId::kJobCommands;

const Case kEnvelopeCases[] = {
    {"EventIdMissing", kLife, "job.queued", Drop("event_id"), "event_id: missing"},
    {"EventIdNumber", kLife, "job.queued", Put("event_id", "7"), "event_id: expected string"},
    {"EventIdNotUuid", kLife, "job.queued", Put("event_id", "\"not-a-uuid\""), "event_id: invalid UUID"},
    {"EventIdBadHex", kLife, "job.queued", Put("event_id", "\"3f1c2a9e-8b7d-4c21-9f3e-2a1b0c9d8e7g\""),
     "event_id: invalid UUID"},
    {"EventIdUpperCase", kLife, "job.queued", Put("event_id", "\"3F1C2A9E-8B7D-4C21-9F3E-2A1B0C9D8E7F\""), "ok"},
    {"EventTypeMissing", kLife, "job.queued", Drop("event_type"), "event_type: missing"},
    {"EventTypeOfOtherTopic", kLife, "job.queued", Put("event_type", "\"job.metrics\""),
     "event_type: must be one of job.submitted|job.queued|job.running|job.completed|job.failed|job.cancelled"},
    {"EventTypeNull", kLife, "job.queued", Put("event_type", "null"), "event_type: expected string"},
    {"SchemaVersionMissing", kLife, "job.queued", Drop("schema_version"), "schema_version: missing"},
    {"SchemaVersionString", kLife, "job.queued", Put("schema_version", "\"1\""), "schema_version: expected integer"},
    {"SchemaVersionFraction", kLife, "job.queued", Put("schema_version", "1.5"), "schema_version: expected integer"},
    {"SchemaVersionZero", kLife, "job.queued", Put("schema_version", "0"), "schema_version: must be >= 1"},
    {"SchemaVersionNegative", kLife, "job.queued", Put("schema_version", "-3"), "schema_version: must be >= 1"},
    {"SchemaVersionHuge", kLife, "job.queued", Put("schema_version", "10000000000"), "schema_version: out of range"},
    {"SchemaVersionNewerAccepted", kLife, "job.queued", Put("schema_version", "7"), "ok"},
    {"OccurredAtMissing", kLife, "job.queued", Drop("occurred_at"), "occurred_at: missing"},
    {"OccurredAtNotRfc3339", kLife, "job.queued", Put("occurred_at", "\"2026-01-02 03:04:05\""),
     "occurred_at: invalid RFC 3339 timestamp"},
    {"OccurredAtImpossibleDate", kLife, "job.queued", Put("occurred_at", "\"2026-02-30T00:00:00Z\""),
     "occurred_at: invalid RFC 3339 timestamp"},
    {"OccurredAtEpochNumber", kLife, "job.queued", Put("occurred_at", "1767323045678"), "occurred_at: expected string"},
    {"OccurredAtOffsetAccepted", kLife, "job.queued", Put("occurred_at", "\"2026-01-02T05:04:05.678+02:00\""), "ok"},
    {"SourceMissing", kLife, "job.queued", Drop("source"), "source: missing"},
    {"SourceEmpty", kLife, "job.queued", Put("source", "\"\""), "source: must not be empty"},
    {"SourceArray", kLife, "job.queued", Put("source", "[\"a\"]"), "source: expected string"},
    {"CorrelationIdMissing", kLife, "job.queued", Drop("correlation_id"), "correlation_id: missing"},
    {"CorrelationIdNumber", kLife, "job.queued", Put("correlation_id", "5"), "correlation_id: expected string"},
    {"CorrelationIdEmptyAccepted", kLife, "job.queued", Put("correlation_id", "\"\""), "ok"},
    {"UserIdAbsentAcceptedOnJobs", kLife, "job.queued", Drop("user_id"), "ok"},
    {"UserIdEmptyAcceptedOnJobs", kLife, "job.queued", Put("user_id", "\"\""), "ok"},
    {"UserIdNumber", kLife, "job.queued", Put("user_id", "42"), "user_id: expected string"},
    {"PayloadMissing", kLife, "job.queued", Drop("payload"), "payload: missing"},
    {"PayloadArray", kLife, "job.queued", Put("payload", "[]"), "payload: expected object"},
    {"PayloadJsonString", kLife, "job.queued", Put("payload", "\"{}\""), "payload: expected object"},
    {"UnknownTopLevelFieldIgnored", kLife, "job.queued", Put("future_field", "{\"x\":[1,{\"y\":null}]}"), "ok"},
    {"OtherTopicsFieldIgnored", kLife, "job.queued", Put("channel", "\"carrier-pigeon\""), "ok"},
    {"FieldOrderDoesNotMatter", kLife, "job.completed",
     [](JsonFields& f) {
         const std::string type = f.Get("event_type");
         f.Remove("event_type").Set("event_type", type);
     },
     "ok"},
};
INSTANTIATE_TEST_SUITE_P(Envelope, ParserRules, ::testing::ValuesIn(kEnvelopeCases),
                         [](const auto& info) { return std::string(info.param.name); });

const Case kTopicCases[] = {
    {"LifecycleJobIdMissing", kLife, "job.running", Drop("job_id"), "job_id: missing"},
    {"LifecycleJobIdEmpty", kLife, "job.running", Put("job_id", "\"\""), "job_id: must not be empty"},
    {"MetricsJobIdMissing", kMetrics, "job.metrics", Drop("job_id"), "job_id: missing"},
    {"CommandsJobIdEmpty", kCommands, "command.cancel", Put("job_id", "\"\""), "job_id: must not be empty"},
    {"CommandsJobIdNumber", kCommands, "command.cancel", Put("job_id", "12"), "job_id: expected string"},
    {"NotificationUserIdMissing", kNotify, "notification.sent", Drop("user_id"), "user_id: missing"},
    {"NotificationUserIdEmpty", kNotify, "notification.sent", Put("user_id", "\"\""), "user_id: must not be empty"},
    {"NotificationChannelMissing", kNotify, "notification.failed", Drop("channel"), "channel: missing"},
    {"NotificationChannelUnknown", kNotify, "notification.sent", Put("channel", "\"sms\""),
     "channel: must be one of email|in_app|websocket|webhook"},
    {"NotificationChannelWrongCase", kNotify, "notification.sent", Put("channel", "\"EMAIL\""),
     "channel: must be one of email|in_app|websocket|webhook"},
    {"AuditResourceIdMissing", kAudit, "audit.create", Drop("resource_id"), "resource_id: missing"},
    {"AuditResourceIdEmpty", kAudit, "audit.create", Put("resource_id", "\"\""), "resource_id: must not be empty"},
    {"AuditActionMissing", kAudit, "audit.create", Drop("action"), "action: missing"},
    {"AuditActionUnknown", kAudit, "audit.create", Put("action", "\"DESTROY\""),
     "action: must be one of CREATE|UPDATE|DELETE|STATE_CHANGE|ACCESS|ALERT"},
    {"AuditEventTypeDisagreesWithAction", kAudit, "audit.create", Put("action", "\"DELETE\""),
     "event_type: must be audit.delete for action DELETE"},
    {"AuditEventTypeUnknown", kAudit, "audit.create", Put("event_type", "\"audit.explode\""),
     "event_type: must be one of audit.create|audit.update|audit.delete|audit.state_change|audit.access|audit.alert"},
    {"HealthComponentIdMissing", kHealth, "health.heartbeat", Drop("component_id"), "component_id: missing"},
    {"HealthComponentIdEmpty", kHealth, "health.heartbeat", Put("component_id", "\"\""),
     "component_id: must not be empty"},
    {"HealthStatusMissing", kHealth, "health.report", Drop("status"), "status: missing"},
    {"HealthStatusUnknown", kHealth, "health.report", Put("status", "\"OK\""),
     "status: must be one of HEALTHY|DEGRADED|UNHEALTHY"},
    {"HealthMetricsMissing", kHealth, "health.report", Drop("metrics"), "metrics: missing"},
    {"HealthMetricsNotObject", kHealth, "health.report", Put("metrics", "[1]"), "metrics: expected object"},
    {"HealthMetricsMalformed", kHealth, "health.report", Put("metrics", "{\"a\":tru}"), "metrics: invalid literal"},
};
INSTANTIATE_TEST_SUITE_P(Topics, ParserRules, ::testing::ValuesIn(kTopicCases),
                         [](const auto& info) { return std::string(info.param.name); });

const Case kPayloadCases[] = {
    {"MetricsCpuMissing", kMetrics, "job.metrics", DropIn("payload", "cpu_percent"), "payload.cpu_percent: missing"},
    {"MetricsCpuString", kMetrics, "job.metrics", PutIn("payload", "cpu_percent", "\"50\""),
     "payload.cpu_percent: expected number"},
    {"MetricsCpuNegative", kMetrics, "job.metrics", PutIn("payload", "cpu_percent", "-0.5"),
     "payload.cpu_percent: must be >= 0"},
    {"MetricsCpuAbove100Accepted", kMetrics, "job.metrics", PutIn("payload", "cpu_percent", "799.5"), "ok"},
    {"MetricsCpuOutOfRange", kMetrics, "job.metrics", PutIn("payload", "cpu_percent", "1e999"),
     "payload.cpu_percent: out of range"},
    {"MetricsCpuDuplicate", kMetrics, "job.metrics",
     [](JsonFields& f) {
         std::string payload = f.Get("payload");
         payload.insert(1, "\"cpu_percent\":1,");
         f.Set("payload", payload);
     },
     "payload.cpu_percent: duplicate field"},
    {"MetricsMemoryMissing", kMetrics, "job.metrics", DropIn("payload", "memory_mb"), "payload.memory_mb: missing"},
    {"MetricsMemoryNull", kMetrics, "job.metrics", PutIn("payload", "memory_mb", "null"),
     "payload.memory_mb: expected number"},
    {"MetricsIoReadNegative", kMetrics, "job.metrics", PutIn("payload", "io_read_mb", "-1"),
     "payload.io_read_mb: must be >= 0"},
    {"MetricsIoWriteMissing", kMetrics, "job.metrics", DropIn("payload", "io_write_mb"),
     "payload.io_write_mb: missing"},
    {"MetricsIntegerNumbersAccepted", kMetrics, "job.metrics", PutIn("payload", "io_write_mb", "0"), "ok"},
    {"MetricsExecutionTimeMissing", kMetrics, "job.metrics", DropIn("payload", "execution_time_ms"),
     "payload.execution_time_ms: missing"},
    {"MetricsExecutionTimeFraction", kMetrics, "job.metrics", PutIn("payload", "execution_time_ms", "1.5"),
     "payload.execution_time_ms: expected integer"},
    {"MetricsExecutionTimeNegative", kMetrics, "job.metrics", PutIn("payload", "execution_time_ms", "-1"),
     "payload.execution_time_ms: must be >= 0"},
    {"MetricsCpuNearDoubleMax", kMetrics, "job.metrics", PutIn("payload", "cpu_percent", "1.7e308"),
     "payload.cpu_percent: out of range"},
    {"MetricsMemoryAtTheBoundAccepted", kMetrics, "job.metrics", PutIn("payload", "memory_mb", "1e12"), "ok"},
    {"MetricsIoWriteAboveTheBound", kMetrics, "job.metrics", PutIn("payload", "io_write_mb", "1.1e12"),
     "payload.io_write_mb: out of range"},
    {"MetricsExecutionTimeInt64Max", kMetrics, "job.metrics",
     PutIn("payload", "execution_time_ms", "9223372036854775807"), "payload.execution_time_ms: out of range"},
    {"CompletedExecutionTimeOneYearAccepted", kLife, "job.completed",
     PutIn("payload", "execution_time_ms", "31536000000"), "ok"},
    {"CompletedExecutionTimeOverAYear", kLife, "job.completed", PutIn("payload", "execution_time_ms", "31536000001"),
     "payload.execution_time_ms: out of range"},
    {"MetricsExecutionTimeHuge", kMetrics, "job.metrics", PutIn("payload", "execution_time_ms", "18446744073709551615"),
     "payload.execution_time_ms: expected integer"},
    {"MetricsSampledAtMissing", kMetrics, "job.metrics", DropIn("payload", "sampled_at"),
     "payload.sampled_at: missing"},
    {"MetricsSampledAtInvalid", kMetrics, "job.metrics", PutIn("payload", "sampled_at", "\"yesterday\""),
     "payload.sampled_at: invalid RFC 3339 timestamp"},
    {"MetricsPayloadTooLarge", kMetrics, "job.metrics",
     PutIn("payload", "blob", "\"" + std::string(std::size_t{70} * 1024, 'x') + "\""),
     "payload: larger than 65536 bytes"},
    {"CompletedExecutionTimeMissing", kLife, "job.completed", DropIn("payload", "execution_time_ms"),
     "payload.execution_time_ms: missing"},
    {"CompletedExecutionTimeString", kLife, "job.completed", PutIn("payload", "execution_time_ms", "\"12\""),
     "payload.execution_time_ms: expected integer"},
    {"CompletedExecutionTimeNegative", kLife, "job.completed", PutIn("payload", "execution_time_ms", "-5"),
     "payload.execution_time_ms: must be >= 0"},
    {"FailedErrorMissing", kLife, "job.failed", DropIn("payload", "error"), "payload.error: missing"},
    {"FailedErrorEmpty", kLife, "job.failed", PutIn("payload", "error", "\"\""), "payload.error: must not be empty"},
    {"FailedErrorObject", kLife, "job.failed", PutIn("payload", "error", "{\"m\":1}"),
     "payload.error: expected string"},
    {"FailedErrorCodeNumber", kLife, "job.failed", PutIn("payload", "error_code", "500"),
     "payload.error_code: expected string"},
    {"FailedErrorCodeOptional", kLife, "job.failed", DropIn("payload", "error_code"), "ok"},
    {"CancelledReasonMissing", kLife, "job.cancelled", DropIn("payload", "reason"), "payload.reason: missing"},
    {"CancelledReasonNumber", kLife, "job.cancelled", PutIn("payload", "reason", "1"),
     "payload.reason: expected string"},
    {"CancelledReasonEmptyAccepted", kLife, "job.cancelled", PutIn("payload", "reason", "\"\""), "ok"},
    {"OptionalExecutionTimeChecked", kLife, "job.running", PutIn("payload", "execution_time_ms", "-1"),
     "payload.execution_time_ms: must be >= 0"},
    {"FieldsOfOtherTypesIgnored", kLife, "job.running", PutIn("payload", "error", "42"), "ok"},
    {"ReportStatusMissing", kCommands, "command.report", DropIn("payload", "status"), "payload.status: missing"},
    {"ReportStatusUnknown", kCommands, "command.report", PutIn("payload", "status", "\"done\""),
     "payload.status: must be one of running|completed|failed"},
    {"ReportStatusNumber", kCommands, "command.report", PutIn("payload", "status", "1"),
     "payload.status: expected string"},
    {"SubmitNameMissing", kCommands, "command.submit", DropIn("payload", "name"), "payload.name: missing"},
    {"SubmitNameEmpty", kCommands, "command.submit", PutIn("payload", "name", "\"\""),
     "payload.name: must be 1-200 characters"},
    {"SubmitNameTooLong", kCommands, "command.submit", PutIn("payload", "name", "\"" + std::string(201, 'n') + "\""),
     "payload.name: must be 1-200 characters"},
    {"SubmitName200MultiByteCharacters", kCommands, "command.submit",
     [](JsonFields& f) {
         std::string name = "\"";
         for (int i = 0; i < 200; ++i) name += "\xc3\xa9";
         f.SetIn("payload", "name", name + "\"");
     },
     "ok"},
    {"SubmitKindMissing", kCommands, "command.submit", DropIn("payload", "kind"), "payload.kind: missing"},
    {"SubmitKindNumber", kCommands, "command.submit", PutIn("payload", "kind", "3"), "payload.kind: expected string"},
    {"CancelCommandAnyPayloadObject", kCommands, "command.cancel", Put("payload", "{}"), "ok"},
    {"UnknownPayloadFieldsIgnored", kLife, "job.completed", PutIn("payload", "future", "[{\"a\":1e5},false]"), "ok"},
};
INSTANTIATE_TEST_SUITE_P(Payload, ParserRules, ::testing::ValuesIn(kPayloadCases),
                         [](const auto& info) { return std::string(info.param.name); });

// ---- Values the parser keeps ----------------------------------------------------------------

TEST(ParserValues, PayloadIsStoredMinifiedWithItsEscapes) {
    JsonFields fields = ValidFields(kLife, "job.queued");
    fields.Set("payload",
               "{ \"a\" : [ 1 , 2.50 , \"x\\u00e9\\n\" ] ,\n \"b\" : { } , \"big\": 123456789012345678901234 }");
    Parser parser;
    Event event;
    ASSERT_FALSE(parser.Parse(kLife, fields.Render(), event));
    EXPECT_EQ(event.payload, R"({"a":[1,2.50,"x\u00e9\n"],"b":{},"big":123456789012345678901234})");
}

TEST(ParserValues, OffsetTimestampsAreConvertedToUtcMilliseconds) {
    JsonFields fields = ValidFields(kLife, "job.queued");
    fields.Set("occurred_at", "\"2026-01-02T05:04:05.678+02:00\"");
    Parser parser;
    Event event;
    ASSERT_FALSE(parser.Parse(kLife, fields.Render(), event));
    EXPECT_EQ(event.occurred_at_ms, *ParseTimestamp("2026-01-02T03:04:05.678Z"));
    EXPECT_EQ(event.occurred_at, "2026-01-02T05:04:05.678+02:00");  // kept as on the wire
}

TEST(ParserValues, NewerSchemaVersionIsKept) {
    JsonFields fields = ValidFields(kLife, "job.queued");
    fields.Set("schema_version", "3");
    Parser parser;
    Event event;
    ASSERT_FALSE(parser.Parse(kLife, fields.Render(), event));
    EXPECT_EQ(event.schema_version, 3);
}

TEST(ParserValues, MovedParserStillWorks) {
    Parser first;
    Parser second = std::move(first);
    Event event;
    EXPECT_FALSE(second.Parse(kLife, Valid(kLife, "job.queued"), event));
}

TEST(ParserValues, AuditEventsKeepTheirJobFromTheEnvelopeOrThePayload) {
    Parser parser;
    Event event;
    JsonFields top = ValidFields(kAudit, "audit.state_change");
    top.Set("job_id", "\"job-top\"");
    top.Set("payload", R"({"job_id":"job-payload"})");
    ASSERT_FALSE(parser.Parse(kAudit, top.Render(), event));
    EXPECT_EQ(event.job_id, "job-top");
    EXPECT_NE(Serialize(event).find(R"("job_id":"job-top")"), std::string::npos);

    JsonFields nested = ValidFields(kAudit, "audit.state_change");
    nested.Set("payload", R"({"from":"queued","job_id":"job-payload"})");
    ASSERT_FALSE(parser.Parse(kAudit, nested.Render(), event));
    EXPECT_EQ(event.job_id, "job-payload");

    ASSERT_FALSE(parser.Parse(kAudit, Valid(kAudit, "audit.access"), event));
    EXPECT_EQ(event.job_id, "");
    EXPECT_EQ(Serialize(event).find("job_id"), std::string::npos);
}

TEST(ParserValues, IdentifiersAndFreeTextAreBounded) {
    const std::string at_limit(256, 'j');
    const std::string over = at_limit + "j";
    JsonFields fields = ValidFields(kLife, "job.queued");
    fields.Set("job_id", "\"" + at_limit + "\"");
    EXPECT_EQ(Outcome(kLife, fields.Render()), "ok");
    fields.Set("job_id", "\"" + over + "\"");
    EXPECT_EQ(Outcome(kLife, fields.Render()), "job_id: longer than 256 bytes");
    JsonFields user = ValidFields(kLife, "job.queued");
    user.Set("user_id", "\"" + over + "\"");
    EXPECT_EQ(Outcome(kLife, user.Render()), "user_id: longer than 256 bytes");

    JsonFields failed = ValidFields(kLife, "job.failed");
    failed.Set("payload", R"({"error":")" + std::string(4097, 'e') + R"("})");
    EXPECT_EQ(Outcome(kLife, failed.Render()), "payload.error: longer than 4096 bytes");
    JsonFields cancelled = ValidFields(kLife, "job.cancelled");
    cancelled.Set("payload", R"({"reason":")" + std::string(4097, 'r') + R"("})");
    EXPECT_EQ(Outcome(kLife, cancelled.Render()), "payload.reason: longer than 4096 bytes");
}

TEST(ParserValues, ViolationToString) {
    EXPECT_EQ((Violation{"payload.cpu_percent", "expected number"}).ToString(), "payload.cpu_percent: expected number");
    EXPECT_EQ((Violation{"", "empty"}).ToString(), "empty");
}

// ---- The original stack's event names ---------------------------------------------------------

TEST(ParserLegacyNames, MetricsRecordedIsJobMetrics) {
    const std::string message =
        ValidFields(TopicId::kJobMetrics, "job.metrics").Set("event_type", "\"job.metrics_recorded\"").Render();
    Parser parser;
    Event event;
    ASSERT_FALSE(parser.Parse(TopicId::kJobMetrics, message, event));
    EXPECT_EQ(event.event_type, "job.metrics");
    // Only on its own topic.
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle,
                      ValidFields(TopicId::kJobLifecycle, "job.queued")
                          .Set("event_type", "\"job.metrics_recorded\"")
                          .Render())
                  .substr(0, 11),
              "event_type:");
}

TEST(ParserLegacyNames, StatusChangedTakesItsTypeFromThePayloadStatus) {
    const auto changed = [](std::string_view base_type, std::string_view status) {
        return ValidFields(TopicId::kJobLifecycle, base_type)
            .Set("event_type", "\"job.status.changed\"")
            .SetIn("payload", "status", status)
            .Render();
    };
    Parser parser;
    Event event;
    ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, changed("job.running", "\"running\""), event));
    EXPECT_EQ(event.event_type, "job.running");
    // The resolved type's rules apply: a completion carries its execution time, a failure its error.
    ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, changed("job.completed", "\"completed\""), event));
    EXPECT_EQ(event.event_type, "job.completed");
    ASSERT_FALSE(parser.Parse(TopicId::kJobLifecycle, changed("job.failed", "\"failed\""), event));
    EXPECT_EQ(event.event_type, "job.failed");
    EXPECT_FALSE(event.error.empty());
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, changed("job.running", "\"completed\"")).substr(0, 26),
              "payload.execution_time_ms:");
    // Without a usable status it is a violation that names the field.
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, changed("job.running", "\"exploded\"")).substr(0, 15),
              "payload.status:");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle, changed("job.running", "42")).substr(0, 15), "payload.status:");
    EXPECT_EQ(Outcome(TopicId::kJobLifecycle,
                      ValidFields(TopicId::kJobLifecycle, "job.running")
                          .Set("event_type", "\"job.status.changed\"")
                          .RemoveIn("payload", "status")
                          .Render())
                  .substr(0, 15),
              "payload.status:");
}

}  // namespace
}  // namespace cosmic::schema
