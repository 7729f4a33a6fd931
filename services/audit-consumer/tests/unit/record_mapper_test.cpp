// What the consumer hands the store: valid events field by field, invalid records with their
// raw bytes, violation and whatever envelope fields could be read.

#include "cosmic/audit_consumer/record_mapper.hpp"

#include <gtest/gtest.h>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::audit {
namespace {

constexpr std::int64_t kKafkaTs = 1767225600123;

kafka::Delivery From(std::int64_t offset) {
    kafka::Delivery d;
    d.topic = "audit-trail";
    d.partition = 3;
    d.offset = offset;
    d.timestamp_ms = kKafkaTs;
    return d;
}

schema::Event AuditEvent() {
    schema::Event e = schema::NewEvent(schema::TopicId::kAuditTrail, "audit.state_change", "job-orchestrator");
    e.resource_id = "job-42";
    e.action = schema::AuditAction::kStateChange;
    e.user_id = "u7";
    e.correlation_id = "req-1";
    e.payload = R"({"from":"queued","to":"running","job_id":"job-42"})";
    return e;
}

TEST(RecordMapperTest, MapsAValidEvent) {
    const std::string bytes = schema::Serialize(AuditEvent());
    schema::Parser parser;
    schema::Event parsed;
    ASSERT_FALSE(parser.Parse(schema::TopicId::kAuditTrail, bytes, parsed));
    kafka::Record record{From(9), bytes, &parsed, nullptr};

    RecordMapper mapper;
    AuditRecord out;
    mapper.Map(record, 0, out);
    EXPECT_TRUE(out.valid);
    EXPECT_EQ(out.topic, "audit-trail");
    EXPECT_EQ(out.partition, 3);
    EXPECT_EQ(out.offset, 9);
    EXPECT_EQ(out.kafka_timestamp_ms, kKafkaTs);
    EXPECT_EQ(out.event_id, parsed.event_id);
    EXPECT_EQ(out.event_type, "audit.state_change");
    EXPECT_EQ(out.occurred_at, parsed.occurred_at);
    EXPECT_EQ(out.occurred_at_ms, parsed.occurred_at_ms);
    EXPECT_EQ(out.source, "job-orchestrator");
    EXPECT_EQ(out.correlation_id, "req-1");
    EXPECT_EQ(out.user_id, "u7");
    EXPECT_EQ(out.resource_id, "job-42");
    EXPECT_EQ(out.action, "STATE_CHANGE");
    EXPECT_EQ(out.job_id, "job-42");  // from payload.job_id
    EXPECT_EQ(out.payload, parsed.payload);
    EXPECT_TRUE(out.raw.empty());
    EXPECT_TRUE(out.violation.empty());
}

TEST(RecordMapperTest, ReadsATopLevelJobIdAndLeavesItEmptyWhenThereIsNone) {
    schema::Event event = AuditEvent();
    event.payload = R"({"note":"no job here"})";
    std::string bytes = schema::Serialize(event);
    schema::Parser parser;
    schema::Event parsed;
    ASSERT_FALSE(parser.Parse(schema::TopicId::kAuditTrail, bytes, parsed));
    RecordMapper mapper;
    AuditRecord out;
    mapper.Map(kafka::Record{From(1), bytes, &parsed, nullptr}, 0, out);
    EXPECT_TRUE(out.job_id.empty());

    bytes.insert(1, R"("job_id":"job-top",)");
    ASSERT_FALSE(parser.Parse(schema::TopicId::kAuditTrail, bytes, parsed));
    mapper.Map(kafka::Record{From(2), bytes, &parsed, nullptr}, 0, out);
    EXPECT_EQ(out.job_id, "job-top");
}

TEST(RecordMapperTest, KeepsAnInvalidRecordsBytesViolationAndReadableFields) {
    schema::Event event = AuditEvent();
    std::string bytes = schema::Serialize(event);
    const auto at = bytes.find("\"STATE_CHANGE\"");
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, 14, "\"TELEPORT\"");
    schema::Parser parser;
    schema::Event scratch;
    const auto violation = parser.Parse(schema::TopicId::kAuditTrail, bytes, scratch);
    ASSERT_TRUE(violation);

    RecordMapper mapper;
    AuditRecord out;
    mapper.Map(kafka::Record{From(5), bytes, nullptr, &*violation}, 99, out);
    EXPECT_FALSE(out.valid);
    EXPECT_EQ(out.raw, bytes);
    EXPECT_EQ(out.violation, violation->ToString());
    EXPECT_EQ(out.event_id, event.event_id);
    EXPECT_EQ(out.resource_id, "job-42");
    EXPECT_EQ(out.action, "TELEPORT");
    EXPECT_EQ(out.user_id, "u7");
    EXPECT_EQ(out.job_id, "job-42");
    EXPECT_TRUE(out.payload.empty());
    // Retention runs on the broker's timestamp, not on what an invalid record claims.
    EXPECT_EQ(out.occurred_at_ms, kKafkaTs);
}

TEST(RecordMapperTest, KeepsBytesThatAreNotJsonAtAll) {
    const std::string bytes("\xff\xfe not json", 11);
    const schema::Violation violation{"", "invalid JSON"};
    kafka::Delivery from = From(6);
    from.timestamp_ms = -1;  // no broker timestamp: the ingest time is the retention clock
    RecordMapper mapper;
    AuditRecord out;
    mapper.Map(kafka::Record{from, bytes, nullptr, &violation}, 12345, out);
    EXPECT_FALSE(out.valid);
    EXPECT_EQ(out.raw, bytes);
    EXPECT_EQ(out.violation, violation.ToString());
    EXPECT_TRUE(out.event_id.empty());
    EXPECT_EQ(out.occurred_at_ms, 12345);
}

TEST(RecordMapperTest, BoundsFieldsCopiedFromInvalidRecords) {
    const std::string huge(5000, 'r');
    const std::string bytes = R"({"resource_id":")" + huge + R"(","action":7})";
    const schema::Violation violation{"action", "expected string"};
    RecordMapper mapper;
    AuditRecord out;
    mapper.Map(kafka::Record{From(7), bytes, nullptr, &violation}, 0, out);
    EXPECT_EQ(out.resource_id.size(), RecordMapper::kMaxExtractedField);
    EXPECT_TRUE(out.action.empty());
    EXPECT_EQ(out.raw, bytes);
}

}  // namespace
}  // namespace cosmic::audit
