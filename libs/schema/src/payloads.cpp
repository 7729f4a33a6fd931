#include "cosmic/schema/payloads.hpp"

namespace cosmic::schema {
namespace {

void WriteMetrics(JsonWriter& w, const MetricsSample& sample) {
    w.BeginObject();
    w.Key("cpu_percent").Double(sample.cpu_percent);
    w.Key("memory_mb").Double(sample.memory_mb);
    w.Key("io_read_mb").Double(sample.io_read_mb);
    w.Key("io_write_mb").Double(sample.io_write_mb);
    w.Key("execution_time_ms").Int(sample.execution_time_ms);
    w.Key("sampled_at").String(sample.sampled_at);
    w.EndObject();
}

void WriteCompleted(JsonWriter& w, std::int64_t execution_time_ms) {
    w.BeginObject().Key("execution_time_ms").Int(execution_time_ms).EndObject();
}

void WriteFailed(JsonWriter& w, std::string_view error, std::string_view error_code,
                 std::optional<std::int64_t> execution_time_ms) {
    w.BeginObject().Key("error").String(error);
    if (!error_code.empty()) {
        w.Key("error_code").String(error_code);
    }
    if (execution_time_ms) {
        w.Key("execution_time_ms").Int(*execution_time_ms);
    }
    w.EndObject();
}

void WriteCancelled(JsonWriter& w, std::string_view reason, std::optional<std::int64_t> execution_time_ms) {
    w.BeginObject().Key("reason").String(reason);
    if (execution_time_ms) {
        w.Key("execution_time_ms").Int(*execution_time_ms);
    }
    w.EndObject();
}

}  // namespace

std::string MetricsPayload(const MetricsSample& sample) {
    std::string out;
    JsonWriter w(out);
    WriteMetrics(w, sample);
    return out;
}

std::string CompletedPayload(std::int64_t execution_time_ms) {
    std::string out;
    JsonWriter w(out);
    WriteCompleted(w, execution_time_ms);
    return out;
}

std::string FailedPayload(std::string_view error, std::string_view error_code,
                          std::optional<std::int64_t> execution_time_ms) {
    std::string out;
    JsonWriter w(out);
    WriteFailed(w, error, error_code, execution_time_ms);
    return out;
}

std::string CancelledPayload(std::string_view reason, std::optional<std::int64_t> execution_time_ms) {
    std::string out;
    JsonWriter w(out);
    WriteCancelled(w, reason, execution_time_ms);
    return out;
}

bool WriteTypedPayload(const Event& event, JsonWriter& writer) {
    if (event.topic == TopicId::kJobMetrics) {
        if (event.event_type != "job.metrics") {
            return false;
        }
        WriteMetrics(writer, event.sample);
        return true;
    }
    if (event.topic != TopicId::kJobLifecycle) {
        return false;
    }
    if (event.event_type == "job.completed") {
        if (!event.execution_time_ms) {
            return false;  // leave "{}" so consumers reject the event instead of reading a made-up 0
        }
        WriteCompleted(writer, *event.execution_time_ms);
    } else if (event.event_type == "job.failed") {
        WriteFailed(writer, event.error, event.error_code, event.execution_time_ms);
    } else if (event.event_type == "job.cancelled") {
        WriteCancelled(writer, event.reason, event.execution_time_ms);
    } else {
        return false;
    }
    return true;
}

}  // namespace cosmic::schema
