// Reading a document: the envelope loop, each envelope field, the payload and the generic value
// walker below them, in one translation unit so the per-field helpers inline. Violation texts
// and the number grammar are in parser_support.cpp.

#include "cosmic/schema/parser.hpp"

#include <simdjson.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>

#include "cosmic/schema/fields.hpp"
#include "cosmic/schema/uuid.hpp"
#include "json_escape.hpp"
#include "parser_support.hpp"
#include "payload_rules.hpp"

namespace cosmic::schema {

namespace {

/// Identifiers (ids, names, keys) longer than this are violations.
constexpr std::size_t kMaxIdentifierBytes = 256;

namespace ondemand = simdjson::ondemand;
using detail::PayloadKey;
using detail::ValueKind;
using parser_detail::Bit;
using parser_detail::IsJsonNumber;
using parser_detail::Join;
using parser_detail::Top;
using simdjson::error_code;

// Maps a key to its envelope field; topic-specific fields of other topics are unknown (ignored).
Top Classify(std::string_view key, TopicId topic) noexcept {
    const bool job_topic =
        topic == TopicId::kJobLifecycle || topic == TopicId::kJobMetrics || topic == TopicId::kJobCommands;
    switch (key.size()) {
        case 6:
            if (key == "source") return Top::kSource;
            if (key == "job_id") return job_topic || topic == TopicId::kAuditTrail ? Top::kJobId : Top::kUnknown;
            if (key == "action") return topic == TopicId::kAuditTrail ? Top::kAction : Top::kUnknown;
            if (key == "status") return topic == TopicId::kSystemHealth ? Top::kStatus : Top::kUnknown;
            break;
        case 7:
            if (key == "user_id") return Top::kUserId;
            if (key == "payload") return Top::kPayload;
            if (key == "channel") return topic == TopicId::kNotifications ? Top::kChannel : Top::kUnknown;
            if (key == "metrics") return topic == TopicId::kSystemHealth ? Top::kMetrics : Top::kUnknown;
            break;
        case 8:
            if (key == "event_id") return Top::kEventId;
            break;
        case 10:
            if (key == "event_type") return Top::kEventType;
            break;
        case 11:
            if (key == "occurred_at") return Top::kOccurredAt;
            if (key == "resource_id") return topic == TopicId::kAuditTrail ? Top::kResourceId : Top::kUnknown;
            break;
        case 12:
            if (key == "component_id") return topic == TopicId::kSystemHealth ? Top::kComponentId : Top::kUnknown;
            break;
        case 14:
            if (key == "schema_version") return Top::kSchemaVersion;
            if (key == "correlation_id") return Top::kCorrelationId;
            break;
        default:
            break;
    }
    return Top::kUnknown;
}

std::string_view TrimRight(std::string_view text) noexcept {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n' || text.back() == '\r')) {
        text.remove_suffix(1);
    }
    return text;
}

// A member's key. Keys without escapes (nearly all) are read in place: stage 1 already checked their
// UTF-8 and control characters, so only keys containing '\\' need simdjson's unescaping copy.
// `plain` tells the caller the key can be written back without escaping.
error_code KeyOf(ondemand::field& field, std::string_view& key, bool& plain) noexcept {
    const char* start = field.key().raw();
    const char* end = start;
    // The closing quote exists (stage 1 rejects unclosed strings); a NUL means the padding was reached.
    while (*end != '"' && *end != '\\' && *end != '\0') {
        ++end;
    }
    plain = *end == '"';
    if (plain) {
        key = std::string_view(start, static_cast<std::size_t>(end - start));
        return simdjson::SUCCESS;
    }
    return field.unescaped_key().get(key);
}

void AppendKey(std::string& out, std::string_view key, bool plain) {
    if (plain) {
        out.push_back('"');
        out.append(key);
        out.push_back('"');
    } else {
        detail::AppendJsonString(out, key);
    }
}

// A scalar seen by the walker, for the callers that want its value.
struct Scalar {
    ValueKind kind = ValueKind::kOther;
    std::string_view text;  // strings: unescaped (valid until the next parse)
    double number = 0;
    std::int64_t integer = 0;
    bool finite = true;
};

}  // namespace

struct Parser::Impl {
    explicit Impl(ParserOptions opts) : options(opts), parser(opts.max_message_bytes) {
        for (const auto& topic : AllTopics()) {
            std::uint32_t mask = 0;
            for (const auto& field : TopLevelFields(topic.id)) {
                if (field.required) {
                    mask |= Bit(Classify(field.name, topic.id));
                }
            }
            required[static_cast<std::size_t>(topic.id)] = mask;
        }
    }

    std::optional<Violation> Parse(TopicId topic, std::string_view bytes, Event& out);

    ParserOptions options;
    ondemand::parser parser;
    std::unique_ptr<char[]> buffer;
    std::size_t capacity = 0;
    std::array<std::uint32_t, 6> required{};
    detail::PayloadFacts facts;
    std::string_view field;  // top-level field being read, for error paths

  private:
    error_code Walk(ondemand::value value, std::size_t depth, std::string* out, Scalar* scalar);
    std::optional<Violation> ReadPayload(ondemand::value value, Event& out);
    std::optional<Violation> ReadField(Top top, ondemand::value value, TopicId topic, Event& out);
    Violation JsonViolation(error_code error) const {
        return parser_detail::JsonViolation(error, field, options.max_depth);
    }
    Violation Fail(std::string_view reason) const { return Violation{std::string(field), std::string(reason)}; }
    /// job.status.changed -> job.<payload.status>, or the violation that names what is wrong.
    std::optional<Violation> ResolveStatusChanged(Event& out) const;
};

std::optional<Violation> Parser::Impl::ResolveStatusChanged(Event& out) const {
    const TopicSpec& spec = Spec(TopicId::kJobLifecycle);
    if (facts.Kind(detail::PayloadKey::kStatus) == ValueKind::kString) {
        std::string type = "job." + facts.status;
        if (facts.status.size() <= kMaxIdentifierBytes && IsKnownEventType(spec, type)) {
            out.event_type = std::move(type);
            return std::nullopt;
        }
    }
    return Violation{"payload.status", std::string(kLegacyStatusChanged) + " needs a status naming one of " +
                                           Join(spec.event_types)};
}

// Visits every value below `value` (so the whole document is checked, not skipped), writes it as
// minified JSON to `out` when given, and reports a scalar's value through `scalar` when given.
// Recursion is bounded by options.max_depth.
error_code Parser::Impl::Walk(ondemand::value value, std::size_t depth, std::string* out, Scalar* scalar) {
    ondemand::json_type type;
    if (auto error = value.type().get(type)) {
        return error;
    }
    switch (type) {
        case ondemand::json_type::object: {
            if (depth + 1 > options.max_depth) {
                return simdjson::DEPTH_ERROR;
            }
            ondemand::object object;
            if (auto error = value.get_object().get(object)) {
                return error;
            }
            if (out) out->push_back('{');
            bool first = true;
            for (auto member : object) {
                ondemand::field field;
                if (auto error = std::move(member).get(field)) {
                    return error;
                }
                std::string_view key;
                bool plain = false;
                if (auto error = KeyOf(field, key, plain)) {
                    return error;
                }
                if (out) {
                    if (!first) out->push_back(',');
                    AppendKey(*out, key, plain);
                    out->push_back(':');
                }
                first = false;
                if (auto error = Walk(field.value(), depth + 1, out, nullptr)) {
                    return error;
                }
            }
            if (out) out->push_back('}');
            break;
        }
        case ondemand::json_type::array: {
            if (depth + 1 > options.max_depth) {
                return simdjson::DEPTH_ERROR;
            }
            ondemand::array array;
            if (auto error = value.get_array().get(array)) {
                return error;
            }
            if (out) out->push_back('[');
            bool first = true;
            for (auto element : array) {
                ondemand::value child;
                if (auto error = element.get(child)) {
                    return error;
                }
                if (out && !first) out->push_back(',');
                first = false;
                if (auto error = Walk(child, depth + 1, out, nullptr)) {
                    return error;
                }
            }
            if (out) out->push_back(']');
            break;
        }
        case ondemand::json_type::string: {
            const std::string_view raw = TrimRight(value.raw_json_token());
            std::string_view text;
            // Without a backslash the text between the quotes is the value: stage 1 already checked
            // its UTF-8 and control characters, so it is read in place and the iterator skips the
            // token. Only escapes need simdjson's unescaping copy (which also checks them).
            if (raw.size() >= 2 && raw.back() == '"' && std::memchr(raw.data() + 1, '\\', raw.size() - 2) == nullptr) {
                text = raw.substr(1, raw.size() - 2);
            } else if (auto error = value.get_string().get(text)) {
                return error;
            }
            // The token is valid JSON (simdjson checked escapes and UTF-8), so it is copied as is.
            if (out) out->append(raw);
            if (scalar) {
                scalar->kind = ValueKind::kString;
                scalar->text = text;
            }
            break;
        }
        case ondemand::json_type::number: {
            const std::string_view raw = TrimRight(value.raw_json_token());
            ondemand::number number;
            const error_code error = value.get_number().get(number);
            if (error == simdjson::NUMBER_ERROR) {
                if (!IsJsonNumber(raw)) {
                    return simdjson::NUMBER_ERROR;
                }
                if (scalar) {
                    scalar->kind = ValueKind::kNumber;
                    scalar->finite = false;
                }
            } else if (error) {
                return error;
            } else if (scalar) {
                scalar->finite = true;
                switch (number.get_number_type()) {
                    case ondemand::number_type::signed_integer:
                        scalar->kind = ValueKind::kInteger;
                        scalar->integer = number.get_int64();
                        scalar->number = static_cast<double>(scalar->integer);
                        break;
                    case ondemand::number_type::unsigned_integer:
                        // Above INT64_MAX: a number, but not one any integer field accepts.
                        scalar->kind = ValueKind::kNumber;
                        scalar->number = static_cast<double>(number.get_uint64());
                        break;
                    default:
                        scalar->kind = ValueKind::kNumber;
                        scalar->number = number.get_double();
                        scalar->finite = std::isfinite(scalar->number);
                        break;
                }
            }
            if (out) out->append(raw);
            break;
        }
        case ondemand::json_type::boolean: {
            bool flag = false;
            if (value.get_bool().get(flag)) {
                return simdjson::T_ATOM_ERROR;  // starts like true/false but is not
            }
            if (out) out->append(flag ? "true" : "false");
            break;
        }
        case ondemand::json_type::null: {
            bool is_null = false;
            if (value.is_null().get(is_null) || !is_null) {
                return simdjson::N_ATOM_ERROR;
            }
            if (out) out->append("null");
            break;
        }
    }
    return simdjson::SUCCESS;
}

// Walks the payload object into out.payload and records the fields the payload rules look at.
std::optional<Violation> Parser::Impl::ReadPayload(ondemand::value value, Event& out) {
    ondemand::object object;
    if (value.get_object().get(object)) {
        return Fail("expected object");
    }
    if (options.max_depth < 2) {
        return JsonViolation(simdjson::DEPTH_ERROR);
    }
    std::string& text = out.payload;
    text.clear();
    text.push_back('{');
    bool first = true;
    for (auto member : object) {
        ondemand::field field;
        if (auto error = std::move(member).get(field)) {
            return JsonViolation(error);
        }
        std::string_view key;
        bool plain = false;
        if (auto error = KeyOf(field, key, plain)) {
            return JsonViolation(error);
        }
        if (!first) text.push_back(',');
        first = false;
        AppendKey(text, key, plain);
        text.push_back(':');
        ondemand::value child = field.value();
        const PayloadKey known = detail::ClassifyPayloadKey(key);
        Scalar scalar;
        if (auto error = Walk(child, 2, &text, known == PayloadKey::kNone ? nullptr : &scalar)) {
            return JsonViolation(error);
        }
        if (known == PayloadKey::kNone) {
            continue;
        }
        const auto i = static_cast<std::size_t>(known);
        if (facts.kind[i] != ValueKind::kAbsent) {
            facts.duplicate[i] = true;
        }
        facts.kind[i] = scalar.kind;
        facts.number[i] = scalar.number;
        facts.integer[i] = scalar.integer;
        facts.finite[i] = scalar.finite;
        if (scalar.kind == ValueKind::kString) {
            switch (known) {
                case PayloadKey::kSampledAt:
                    out.sample.sampled_at.assign(scalar.text);
                    break;
                case PayloadKey::kError:
                    out.error.assign(scalar.text);
                    break;
                case PayloadKey::kErrorCode:
                    out.error_code.assign(scalar.text);
                    break;
                case PayloadKey::kReason:
                    out.reason.assign(scalar.text);
                    break;
                case PayloadKey::kStatus:
                    facts.status.assign(scalar.text);
                    break;
                case PayloadKey::kName:
                    facts.name.assign(scalar.text);
                    break;
                case PayloadKey::kKind:
                    facts.kind_text.assign(scalar.text);
                    break;
                case PayloadKey::kJobId:
                    facts.job_id.assign(scalar.text);
                    break;
                default:
                    break;
            }
        }
    }
    text.push_back('}');
    if (text.size() > options.max_payload_bytes) {
        return Fail("larger than " + std::to_string(options.max_payload_bytes) + " bytes");
    }
    return std::nullopt;
}

std::optional<Violation> Parser::Impl::ReadField(Top top, ondemand::value value, TopicId topic, Event& out) {
    if (top == Top::kPayload) {
        return ReadPayload(value, out);
    }
    if (top == Top::kMetrics) {
        ondemand::json_type type;
        if (auto error = value.type().get(type)) {
            return JsonViolation(error);
        }
        if (type != ondemand::json_type::object) {
            return Fail("expected object");
        }
        out.metrics.clear();
        if (auto error = Walk(value, 1, &out.metrics, nullptr)) {
            return JsonViolation(error);
        }
        if (out.metrics.size() > options.max_payload_bytes) {
            return Fail("larger than " + std::to_string(options.max_payload_bytes) + " bytes");
        }
        return std::nullopt;
    }
    Scalar scalar;
    if (auto error = Walk(value, 1, nullptr, &scalar)) {
        return JsonViolation(error);
    }
    if (top == Top::kSchemaVersion) {
        if (scalar.kind != ValueKind::kInteger) {
            return Fail("expected integer");
        }
        if (scalar.integer < 1) {
            return Fail("must be >= 1");
        }
        if (scalar.integer > std::numeric_limits<int>::max()) {
            return Fail("out of range");
        }
        out.schema_version = static_cast<int>(scalar.integer);
        return std::nullopt;
    }
    if (scalar.kind != ValueKind::kString) {
        return Fail("expected string");
    }
    const std::string_view text = scalar.text;
    // Identifiers and names are bounded (DESIGN.md §5); enums and timestamps are checked below.
    if (text.size() > kMaxIdentifierBytes && top != Top::kEventType && top != Top::kOccurredAt) {
        return Fail("longer than 256 bytes");
    }
    const auto non_empty = [&](std::string& dest) -> std::optional<Violation> {
        if (text.empty()) {
            return Fail("must not be empty");
        }
        dest.assign(text);
        return std::nullopt;
    };
    switch (top) {
        case Top::kEventId:
            if (!IsUuid(text)) {
                return Fail("invalid UUID");
            }
            out.event_id.assign(text);
            return std::nullopt;
        case Top::kEventType: {
            const TopicSpec& spec = Spec(topic);
            if (IsKnownEventType(spec, text)) {
                out.event_type.assign(text);
                return std::nullopt;
            }
            if (topic == TopicId::kJobMetrics && text == kLegacyMetricsRecorded) {
                out.event_type.assign("job.metrics");
                return std::nullopt;
            }
            if (topic == TopicId::kJobLifecycle && text == kLegacyStatusChanged) {
                out.event_type.assign(text);  // resolved from payload.status once the payload is read
                return std::nullopt;
            }
            return Fail("must be one of " + Join(spec.event_types));
        }
        case Top::kOccurredAt: {
            const auto ms = ParseTimestamp(text);
            if (!ms) {
                return Fail("invalid RFC 3339 timestamp");
            }
            out.occurred_at.assign(text);
            out.occurred_at_ms = *ms;
            return std::nullopt;
        }
        case Top::kSource:
            return non_empty(out.source);
        case Top::kCorrelationId:
            out.correlation_id.assign(text);
            return std::nullopt;
        case Top::kUserId:
            if (topic == TopicId::kNotifications) {
                return non_empty(out.user_id);
            }
            out.user_id.assign(text);
            return std::nullopt;
        case Top::kJobId:
            if (topic == TopicId::kAuditTrail) {  // optional there: not every audited action is a job's
                out.job_id.assign(text);
                return std::nullopt;
            }
            return non_empty(out.job_id);
        case Top::kResourceId:
            return non_empty(out.resource_id);
        case Top::kComponentId:
            return non_empty(out.component_id);
        case Top::kChannel: {
            const auto channel = ParseChannel(text);
            if (!channel) {
                return Fail("must be one of " + Join(ChannelNames()));
            }
            out.channel = *channel;
            return std::nullopt;
        }
        case Top::kAction: {
            const auto action = ParseAuditAction(text);
            if (!action) {
                return Fail("must be one of " + Join(AuditActionNames()));
            }
            out.action = *action;
            return std::nullopt;
        }
        case Top::kStatus: {
            const auto status = ParseHealthStatus(text);
            if (!status) {
                return Fail("must be one of " + Join(HealthStatusNames()));
            }
            out.status = *status;
            return std::nullopt;
        }
        default:
            return std::nullopt;
    }
}

std::optional<Violation> Parser::Impl::Parse(TopicId topic, std::string_view bytes, Event& out) {
    field = {};
    out.Clear();
    out.topic = topic;
    facts.Reset();
    if (bytes.empty()) {
        return Violation{"", "empty"};
    }
    if (bytes.size() > options.max_message_bytes) {
        return Violation{"", "larger than " + std::to_string(options.max_message_bytes) + " bytes"};
    }
    // simdjson reads up to SIMDJSON_PADDING bytes past the end; reuse one padded copy.
    const std::size_t needed = bytes.size() + simdjson::SIMDJSON_PADDING;
    if (needed > capacity) {
        capacity = std::max(needed, capacity * 2);
        buffer = std::make_unique_for_overwrite<char[]>(capacity);
    }
    std::memcpy(buffer.get(), bytes.data(), bytes.size());
    std::memset(buffer.get() + bytes.size(), 0, simdjson::SIMDJSON_PADDING);

    // iterate() runs simdjson's stage 1 over the whole input: UTF-8 and unescaped control
    // characters are checked everywhere, including fields that are never read.
    ondemand::document doc;
    if (auto error = parser.iterate(buffer.get(), bytes.size(), capacity).get(doc)) {
        return JsonViolation(error);
    }
    ondemand::json_type type;
    if (auto error = doc.type().get(type)) {
        return JsonViolation(error);
    }
    if (type != ondemand::json_type::object) {
        return Violation{"", "not an object"};
    }
    ondemand::object root;
    if (auto error = doc.get_object().get(root)) {
        return JsonViolation(error);
    }
    std::uint32_t seen = 0;
    for (auto member : root) {
        ondemand::field member_field;
        if (auto error = std::move(member).get(member_field)) {
            return JsonViolation(error);
        }
        std::string_view key;
        bool plain = false;
        if (auto error = KeyOf(member_field, key, plain)) {
            return JsonViolation(error);
        }
        ondemand::value value = member_field.value();
        const Top top = Classify(key, topic);
        if (top == Top::kUnknown) {
            // Unknown fields are ignored (forward compatibility) but must still be valid JSON.
            field = {};
            if (auto error = Walk(value, 1, nullptr, nullptr)) {
                return JsonViolation(error);
            }
            continue;
        }
        field = key;
        if ((seen & Bit(top)) != 0) {
            return Fail("duplicate field");
        }
        seen |= Bit(top);
        if (auto violation = ReadField(top, value, topic, out)) {
            return violation;
        }
    }
    field = {};
    // A complete object leaves nothing behind; anything else is trailing content.
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) {
        return Violation{"", "trailing content after the JSON object"};
    }

    const std::uint32_t missing = required[static_cast<std::size_t>(topic)] & ~seen;
    if (missing != 0) {
        for (const auto& spec : TopLevelFields(topic)) {
            if ((missing & Bit(Classify(spec.name, topic))) != 0) {
                return Violation{std::string(spec.name), "missing"};
            }
        }
    }
    if (topic == TopicId::kAuditTrail && out.event_type != AuditEventType(out.action)) {
        return Violation{"event_type", "must be " + std::string(AuditEventType(out.action)) + " for action " +
                                           std::string(ToString(out.action))};
    }
    if (out.event_type == kLegacyStatusChanged) {
        if (auto violation = ResolveStatusChanged(out)) {
            return violation;
        }
    }
    if (auto violation = detail::CheckPayload(facts, out)) {
        return violation;
    }
    // An audited action names its job at the top level or, from older publishers, in the payload.
    if (topic == TopicId::kAuditTrail && out.job_id.empty() &&
        facts.Kind(detail::PayloadKey::kJobId) == ValueKind::kString && facts.job_id.size() <= 256) {
        out.job_id = facts.job_id;
    }
    return std::nullopt;
}

Parser::Parser(ParserOptions options) : impl_(std::make_unique<Impl>(options)) {}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;

std::optional<Violation> Parser::Parse(TopicId topic, std::string_view bytes, Event& out) {
    try {
        return impl_->Parse(topic, bytes, out);
    } catch (const std::exception& e) {
        // Only allocation can throw here; report it as a violation rather than escape Parse.
        return Violation{"", std::string("parser error: ") + e.what()};
    }
}

}  // namespace cosmic::schema
