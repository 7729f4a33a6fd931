#include "cosmic/audit/audit_json.hpp"

#include <simdjson.h>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::audit {

namespace {

using schema::JsonWriter;

void WriteTime(JsonWriter& w, std::int64_t ms) { w.String(schema::FormatTimestamp(ms)); }

void WriteOptionalString(JsonWriter& w, const std::string& value) {
    if (value.empty()) {
        w.Null();
    } else {
        w.String(value);
    }
}

constexpr std::size_t kWholeRaw = static_cast<std::size_t>(-1);

void WriteRow(JsonWriter& w, const StoredRecord& row, simdjson::dom::parser& parser,
              std::size_t max_raw_bytes = kWholeRaw) {
    const AuditRecord& r = row.record;
    w.BeginObject();
    w.Key("row_id").Int(row.row_id);
    w.Key("topic").String(r.topic);
    w.Key("partition").Int(r.partition);
    w.Key("offset").Int(r.offset);
    w.Key("event_id").String(r.event_id);
    w.Key("event_type").String(r.event_type);
    w.Key("occurred_at").String(r.occurred_at);
    w.Key("source").String(r.source);
    w.Key("correlation_id").String(r.correlation_id);
    w.Key("user_id").String(r.user_id);
    w.Key("resource_id");
    WriteOptionalString(w, r.resource_id);
    w.Key("job_id");
    WriteOptionalString(w, r.job_id);
    w.Key("action");
    WriteOptionalString(w, r.action);
    // A payload is valid JSON as stored by the service; a hand-edited one must not break the
    // response, so it is checked before being inlined.
    w.Key("payload");
    if (!r.payload.empty() && parser.parse(r.payload.data(), r.payload.size()).error() == simdjson::SUCCESS) {
        w.Raw(r.payload);
    } else {
        w.Null();
    }
    w.Key("valid").Bool(r.valid);
    w.Key("violation");
    WriteOptionalString(w, r.violation);
    w.Key("raw_base64");
    if (r.valid) {
        w.Null();
    } else if (r.raw.size() <= max_raw_bytes) {
        w.String(Base64(r.raw));
    } else {
        w.String(Base64(std::string_view(r.raw).substr(0, max_raw_bytes)));
        w.Key("raw_truncated").Bool(true);
        w.Key("raw_bytes").Uint(r.raw.size());
    }
    w.Key("kafka_timestamp");
    if (r.kafka_timestamp_ms >= 0) {
        WriteTime(w, r.kafka_timestamp_ms);
    } else {
        w.Null();
    }
    w.Key("ingested_at");
    WriteTime(w, row.ingested_at_ms);
    w.Key("prev_hash").String(ToHex(row.prev_hash));
    w.Key("hash").String(ToHex(row.hash));
    w.EndObject();
}

void WriteBadRow(JsonWriter& w, const BadRow& bad) {
    w.BeginObject();
    w.Key("topic").String(bad.topic);
    w.Key("partition").Int(bad.partition);
    w.Key("offset").Int(bad.offset);
    w.Key("row_id");
    if (bad.row_id > 0) {
        w.Int(bad.row_id);
    } else {
        w.Null();
    }
    w.Key("reason").String(bad.reason);
    w.Key("detail").String(bad.detail);
    w.EndObject();
}

void WriteVerify(JsonWriter& w, const VerifyReport& report) {
    w.BeginObject();
    w.Key("ok").Bool(report.ok);
    w.Key("rows_checked").Uint(report.rows_checked);
    w.Key("partitions_checked").Uint(report.partitions_checked);
    w.Key("checkpoints_checked").Uint(report.checkpoints_checked);
    w.Key("seconds").Double(report.seconds);
    w.Key("rows_per_second").Double(report.seconds > 0 ? static_cast<double>(report.rows_checked) / report.seconds : 0);
    w.Key("first_bad");
    if (report.first_bad) {
        WriteBadRow(w, *report.first_bad);
    } else {
        w.Null();
    }
    w.Key("failures").BeginArray();
    for (const BadRow& bad : report.failures) WriteBadRow(w, bad);
    w.EndArray();
    w.EndObject();
}

}  // namespace

std::string PageJson(const QueryPage& page) {
    std::string out;
    out.reserve(256 + page.rows.size() * 1024);
    simdjson::dom::parser parser;
    JsonWriter w(out);
    w.BeginObject();
    w.Key("events").BeginArray();
    for (const StoredRecord& row : page.rows) WriteRow(w, row, parser);
    w.EndArray();
    w.Key("next_cursor");
    if (page.next_cursor) {
        w.String(std::to_string(*page.next_cursor));
    } else {
        w.Null();
    }
    w.EndObject();
    return out;
}

PageWriter::PageWriter(PageBudget budget) : budget_(budget) { out_ = R"({"events":[)"; }

bool PageWriter::Add(const StoredRecord& row) {
    row_.clear();
    thread_local simdjson::dom::parser parser;
    JsonWriter w(row_);
    WriteRow(w, row, parser, budget_.max_raw_bytes);
    if (rows_ > 0 && out_.size() + 1 + row_.size() > budget_.max_bytes) {
        return false;
    }
    if (rows_ > 0) out_ += ',';
    out_ += row_;
    ++rows_;
    return true;
}

std::string PageWriter::Finish(std::optional<std::int64_t> next_cursor) {
    out_ += R"(],"next_cursor":)";
    if (next_cursor) {
        out_ += '"' + std::to_string(*next_cursor) + '"';
    } else {
        out_ += "null";
    }
    out_ += '}';
    return std::move(out_);
}

std::string RowJson(const StoredRecord& row) {
    std::string out;
    simdjson::dom::parser parser;
    JsonWriter w(out);
    WriteRow(w, row, parser);
    return out;
}

std::string VerifyJson(const VerifyReport& report) {
    std::string out;
    JsonWriter w(out);
    WriteVerify(w, report);
    return out;
}

std::string ReportJson(const ComplianceReport& report) {
    std::string out;
    JsonWriter w(out);
    w.BeginObject();
    w.Key("total_events").Uint(report.total_events);
    w.Key("invalid_events").Uint(report.invalid_events);
    w.Key("resources_covered").Uint(report.resources_covered);
    w.Key("jobs_covered").Uint(report.jobs_covered);
    w.Key("oldest_event");
    if (report.oldest_event_ms) {
        WriteTime(w, *report.oldest_event_ms);
    } else {
        w.Null();
    }
    w.Key("newest_event");
    if (report.newest_event_ms) {
        WriteTime(w, *report.newest_event_ms);
    } else {
        w.Null();
    }
    w.Key("retention_days").Int(report.retention_days);
    w.Key("retention_compliant").Bool(report.retention_compliant);
    w.Key("overdue_events").Uint(report.overdue_events);
    // The reporting period and what happened in it.
    w.Key("period").BeginObject();
    w.Key("from");
    if (report.period.from_ms) {
        WriteTime(w, *report.period.from_ms);
    } else {
        w.Null();
    }
    w.Key("to");
    WriteTime(w, report.period.to_ms.value_or(report.generated_at_ms));
    w.EndObject();
    w.Key("events_in_period").Uint(report.in_period.events);
    w.Key("invalid_in_period").Uint(report.in_period.invalid);
    const auto counts = [&](std::string_view key, const std::map<std::string, std::uint64_t>& by) {
        w.Key(key).BeginObject();
        for (const auto& [name, count] : by) w.Key(name).Uint(count);
        w.EndObject();
    };
    counts("by_event_type", report.in_period.by_event_type);
    counts("by_action", report.in_period.by_action);
    w.Key("retention").BeginObject();
    w.Key("days").Int(report.retention_days);
    w.Key("compliant").Bool(report.retention_compliant);
    w.Key("overdue_events").Uint(report.overdue_events);
    w.Key("oldest_event");
    if (report.oldest_event_ms) {
        WriteTime(w, *report.oldest_event_ms);
    } else {
        w.Null();
    }
    w.EndObject();
    w.Key("chain_verified").Bool(report.verify.ok);
    w.Key("verification");
    WriteVerify(w, report.verify);
    w.Key("last_checkpoint");
    if (report.last_checkpoint) {
        const CheckpointInfo& cp = *report.last_checkpoint;
        w.BeginObject();
        w.Key("checkpoint_id").Int(cp.checkpoint_id);
        w.Key("topic").String(cp.topic);
        w.Key("partition").Int(cp.partition);
        w.Key("first_offset").Int(cp.first_offset);
        w.Key("last_offset").Int(cp.last_offset);
        w.Key("row_count").Int(cp.row_count);
        w.Key("head_hash").String(ToHex(cp.head_hash));
        w.Key("merkle_root").String(ToHex(cp.merkle_root));
        w.Key("created_at");
        WriteTime(w, cp.created_at_ms);
        w.EndObject();
    } else {
        w.Null();
    }
    w.Key("generated_at");
    WriteTime(w, report.generated_at_ms);
    w.EndObject();
    return out;
}

std::string Base64(std::string_view bytes) {
    static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += kAlphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += "==";
    } else if (i + 2 == bytes.size()) {
        const unsigned v =
            (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
        out += kAlphabet[(v >> 18) & 63];
        out += kAlphabet[(v >> 12) & 63];
        out += kAlphabet[(v >> 6) & 63];
        out += '=';
    }
    return out;
}

}  // namespace cosmic::audit
