#include "cosmic/job_orchestrator/job_json.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <string_view>
#include <vector>

#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kCursorPrefix = "p";

// One parser per thread: HTTP workers reuse its buffers instead of allocating per request.
dom::parser& Parser() {
    thread_local dom::parser parser;
    return parser;
}

/// True when an object anywhere in `element` has a key twice. The Kafka parser refuses those;
/// taking the first here would let one body mean different things to different readers.
bool HasDuplicateKey(dom::element element) {
    dom::object object;
    if (element.get_object().get(object) == simdjson::SUCCESS) {
        std::vector<std::string_view> keys;
        for (dom::key_value_pair field : object) {
            keys.push_back(field.key);
            if (HasDuplicateKey(field.value)) return true;
        }
        std::sort(keys.begin(), keys.end());
        return std::adjacent_find(keys.begin(), keys.end()) != keys.end();
    }
    dom::array array;
    if (element.get_array().get(array) == simdjson::SUCCESS) {
        for (dom::element item : array) {
            if (HasDuplicateKey(item)) return true;
        }
    }
    return false;
}

/// Parses `body` (empty = {}) as an object; the error names the body.
std::optional<FieldError> ParseObject(std::string_view body, dom::object& out) {
    const std::string_view text = body.empty() ? std::string_view("{}") : body;
    dom::element root;
    if (Parser().parse(text.data(), text.size(), true).get(root) != simdjson::SUCCESS) {
        return FieldError{"body", "not valid JSON"};
    }
    if (root.get_object().get(out) != simdjson::SUCCESS) {
        return FieldError{"body", "expected a JSON object"};
    }
    if (HasDuplicateKey(root)) return FieldError{"body", "duplicate key"};
    return std::nullopt;
}

// A string field: absent leaves `out` alone; present must be a string.
std::optional<FieldError> OptionalString(dom::object& object, std::string_view field, std::optional<std::string>& out) {
    dom::element value;
    if (object.at_key(field).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) return FieldError{std::string(field), "expected string"};
    out = std::string(text);
    return std::nullopt;
}

std::optional<FieldError> OptionalInteger(dom::object& object, std::string_view field,
                                          std::optional<std::int64_t>& out) {
    dom::element value;
    if (object.at_key(field).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    std::int64_t number = 0;
    if (value.get_int64().get(number) != simdjson::SUCCESS) {
        return FieldError{std::string(field), "expected integer"};
    }
    out = number;
    return std::nullopt;
}

std::optional<FieldError> NonNegative(std::string_view field, const std::optional<std::int64_t>& value) {
    if (value && *value < 0) return FieldError{std::string(field), "must be >= 0"};
    // The same bound the event schema applies, so an accepted value is never dead-lettered later.
    if (value && *value > schema::kMaxExecutionTimeMs) {
        return FieldError{std::string(field), "must be at most " + std::to_string(schema::kMaxExecutionTimeMs)};
    }
    return std::nullopt;
}

void WriteTime(schema::JsonWriter& writer, std::string_view key, std::int64_t epoch_ms) {
    writer.Key(key).String(schema::FormatTimestamp(epoch_ms));
}

}  // namespace

void WriteJob(schema::JsonWriter& w, const Job& job, bool with_parameters) {
    w.BeginObject();
    w.Key("job_id").String(job.job_id);
    w.Key("user_id").String(job.user_id);
    w.Key("name").String(job.name);
    w.Key("kind").String(job.kind);
    w.Key("priority").Int(job.priority);
    w.Key("status").String(ToString(job.state));
    WriteTime(w, "created_at", job.created_at_ms);
    WriteTime(w, "updated_at", job.updated_at_ms);
    if (job.started_at_ms > 0) WriteTime(w, "started_at", job.started_at_ms);
    if (job.execution_time_ms) w.Key("execution_time_ms").Int(*job.execution_time_ms);
    if (job.state == JobState::kFailed) {
        w.Key("error").String(job.error);
        if (!job.error_code.empty()) w.Key("error_code").String(job.error_code);
    }
    if (job.state == JobState::kCancelled) w.Key("reason").String(job.reason);
    w.Key("correlation_id").String(job.correlation_id);
    if (with_parameters) w.Key("parameters").Raw(job.parameters);
    w.EndObject();
}

std::string JobJson(const Job& job, bool with_parameters) {
    std::string out;
    schema::JsonWriter w(out);
    WriteJob(w, job, with_parameters);
    return out;
}

std::string JobListJson(const JobPage& page) {
    std::string out;
    out.reserve(256 * page.jobs.size() + 64);
    schema::JsonWriter w(out);
    w.BeginObject().Key("jobs").BeginArray();
    for (const Job& job : page.jobs) WriteJob(w, job, false);
    w.EndArray().Key("next_cursor");
    if (page.next_position) {
        w.String(EncodeCursor(*page.next_position));
    } else {
        w.Null();
    }
    w.EndObject();
    return out;
}

Parsed<SubmitRequest> ParseSubmitBody(std::string_view body) {
    Parsed<SubmitRequest> parsed;
    dom::object object;
    if (body.empty()) {
        parsed.error = FieldError{"body", "expected a JSON object"};
        return parsed;
    }
    if ((parsed.error = ParseObject(body, object))) return parsed;
    SubmitRequest& request = parsed.value;
    std::optional<std::string> name;
    std::optional<std::string> kind;
    if ((parsed.error = OptionalString(object, "name", name))) return parsed;
    if (!name) {
        parsed.error = FieldError{"name", "missing"};
        return parsed;
    }
    if ((parsed.error = OptionalString(object, "kind", kind))) return parsed;
    if (!kind) {
        parsed.error = FieldError{"kind", "missing"};
        return parsed;
    }
    request.name = std::move(*name);
    request.kind = std::move(*kind);
    dom::element parameters;
    if (object.at_key("parameters").get(parameters) == simdjson::SUCCESS && !parameters.is_null()) {
        if (!parameters.is_object()) {
            parsed.error = FieldError{"parameters", "expected object"};
            return parsed;
        }
        request.parameters = simdjson::minify(parameters);
    }
    std::optional<std::int64_t> priority;
    if ((parsed.error = OptionalInteger(object, "priority", priority))) return parsed;
    if (priority) {
        if (*priority < kMinPriority || *priority > kMaxPriority) {
            parsed.error = FieldError{"priority", "must be an integer 0-9"};
            return parsed;
        }
        request.priority = static_cast<int>(*priority);
    } else {
        request.priority = kDefaultPriority;
    }
    parsed.error = ValidateSubmit(request);
    return parsed;
}

Parsed<CompleteBody> ParseCompleteBody(std::string_view body) {
    Parsed<CompleteBody> parsed;
    dom::object object;
    if ((parsed.error = ParseObject(body, object))) return parsed;
    if ((parsed.error = OptionalInteger(object, "execution_time_ms", parsed.value.execution_time_ms))) return parsed;
    parsed.error = NonNegative("execution_time_ms", parsed.value.execution_time_ms);
    return parsed;
}

Parsed<FailBody> ParseFailBody(std::string_view body) {
    Parsed<FailBody> parsed;
    dom::object object;
    if ((parsed.error = ParseObject(body, object))) return parsed;
    std::optional<std::string> error;
    std::optional<std::string> error_code;
    if ((parsed.error = OptionalString(object, "error", error))) return parsed;
    if (!error || error->empty()) {
        parsed.error = FieldError{"error", error ? "must not be empty" : "missing"};
        return parsed;
    }
    if (error->size() > kMaxErrorBytes) {
        parsed.error = FieldError{"error", "must be at most 4096 bytes"};
        return parsed;
    }
    if ((parsed.error = OptionalString(object, "error_code", error_code))) return parsed;
    if (error_code && error_code->size() > kMaxErrorCodeBytes) {
        parsed.error = FieldError{"error_code", "must be at most 128 bytes"};
        return parsed;
    }
    parsed.value.error = std::move(*error);
    parsed.value.error_code = error_code.value_or("");
    if ((parsed.error = OptionalInteger(object, "execution_time_ms", parsed.value.execution_time_ms))) return parsed;
    parsed.error = NonNegative("execution_time_ms", parsed.value.execution_time_ms);
    return parsed;
}

Parsed<CancelBody> ParseCancelBody(std::string_view body) {
    Parsed<CancelBody> parsed;
    dom::object object;
    if ((parsed.error = ParseObject(body, object))) return parsed;
    if ((parsed.error = OptionalString(object, "reason", parsed.value.reason))) return parsed;
    if (parsed.value.reason && parsed.value.reason->size() > kMaxReasonBytes) {
        parsed.error = FieldError{"reason", "must be at most 1024 bytes"};
    }
    return parsed;
}

std::string EncodeCursor(std::int64_t position) { return std::string(kCursorPrefix) + std::to_string(position); }

std::optional<std::int64_t> DecodeCursor(std::string_view cursor) {
    if (!cursor.starts_with(kCursorPrefix)) return std::nullopt;
    cursor.remove_prefix(kCursorPrefix.size());
    std::int64_t position = 0;
    const auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), position);
    if (ec != std::errc() || end != cursor.data() + cursor.size() || position <= 0) return std::nullopt;
    return position;
}

}  // namespace cosmic::orchestrator
