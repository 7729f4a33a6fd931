#include "payload_rules.hpp"

#include <array>
#include <string_view>

#include "json_escape.hpp"

namespace cosmic::schema::detail {
namespace {

constexpr std::array<std::string_view, PayloadFacts::kKeys> kPaths = {"payload",
                                                                      "payload.cpu_percent",
                                                                      "payload.memory_mb",
                                                                      "payload.io_read_mb",
                                                                      "payload.io_write_mb",
                                                                      "payload.execution_time_ms",
                                                                      "payload.sampled_at",
                                                                      "payload.error",
                                                                      "payload.error_code",
                                                                      "payload.reason",
                                                                      "payload.status",
                                                                      "payload.name",
                                                                      "payload.kind",
                                                                      "payload.job_id"};

constexpr std::size_t kMaxJobNameCodePoints = 200;
// Free text is bounded like identifiers are (DESIGN.md §5), so no field can carry the whole
// payload budget into a log line, a notification or a column.
constexpr std::size_t kMaxErrorBytes = 4096;
constexpr std::size_t kMaxReasonBytes = 4096;
constexpr std::size_t kMaxErrorCodeBytes = 256;

Violation Fail(PayloadKey key, std::string_view reason) {
    return Violation{std::string(kPaths[static_cast<std::size_t>(key)]), std::string(reason)};
}

std::optional<Violation> Duplicate(const PayloadFacts& facts, PayloadKey key) {
    if (facts.duplicate[static_cast<std::size_t>(key)]) {
        return Fail(key, "duplicate field");
    }
    return std::nullopt;
}

// A string field; absent is a violation only when required.
std::optional<Violation> RequireString(const PayloadFacts& facts, PayloadKey key, bool required = true) {
    if (auto v = Duplicate(facts, key)) {
        return v;
    }
    switch (facts.Kind(key)) {
        case ValueKind::kAbsent:
            return required ? std::optional(Fail(key, "missing")) : std::nullopt;
        case ValueKind::kString:
            return std::nullopt;
        default:
            return Fail(key, "expected string");
    }
}

// A finite number >= 0.
std::optional<Violation> RequireNonNegative(const PayloadFacts& facts, PayloadKey key, double& out) {
    if (auto v = Duplicate(facts, key)) {
        return v;
    }
    const auto i = static_cast<std::size_t>(key);
    switch (facts.kind[i]) {
        case ValueKind::kAbsent:
            return Fail(key, "missing");
        case ValueKind::kInteger:
        case ValueKind::kNumber:
            break;
        default:
            return Fail(key, "expected number");
    }
    if (!facts.finite[i]) {
        return Fail(key, "out of range");
    }
    if (facts.number[i] < 0) {
        return Fail(key, "must be >= 0");
    }
    if (facts.number[i] > kMaxMetricValue) {
        return Fail(key, "out of range");
    }
    out = facts.number[i];
    return std::nullopt;
}

// An integer >= 0; absent is fine unless required.
std::optional<Violation> CheckExecutionTime(const PayloadFacts& facts, bool required,
                                            std::optional<std::int64_t>& out) {
    constexpr auto key = PayloadKey::kExecutionTimeMs;
    if (auto v = Duplicate(facts, key)) {
        return v;
    }
    const auto i = static_cast<std::size_t>(key);
    switch (facts.kind[i]) {
        case ValueKind::kAbsent:
            return required ? std::optional(Fail(key, "missing")) : std::nullopt;
        case ValueKind::kInteger:
            break;
        default:
            return Fail(key, "expected integer");
    }
    if (facts.integer[i] < 0) {
        return Fail(key, "must be >= 0");
    }
    if (facts.integer[i] > kMaxExecutionTimeMs) {
        return Fail(key, "out of range");
    }
    out = facts.integer[i];
    return std::nullopt;
}

std::optional<Violation> CheckMetrics(const PayloadFacts& facts, Event& event) {
    MetricsSample& s = event.sample;
    if (auto v = RequireNonNegative(facts, PayloadKey::kCpuPercent, s.cpu_percent)) return v;
    if (auto v = RequireNonNegative(facts, PayloadKey::kMemoryMb, s.memory_mb)) return v;
    if (auto v = RequireNonNegative(facts, PayloadKey::kIoReadMb, s.io_read_mb)) return v;
    if (auto v = RequireNonNegative(facts, PayloadKey::kIoWriteMb, s.io_write_mb)) return v;
    if (auto v = CheckExecutionTime(facts, true, event.execution_time_ms)) return v;
    s.execution_time_ms = *event.execution_time_ms;
    if (auto v = RequireString(facts, PayloadKey::kSampledAt)) return v;
    // Publishers usually stamp sampled_at with the envelope's occurred_at; that text was already
    // parsed and validated (a non-empty occurred_at after Clear() only comes from a valid parse),
    // so only a different text needs a second parse.
    const bool same_as_occurred = !event.occurred_at.empty() && s.sampled_at == event.occurred_at;
    if (!same_as_occurred && !ParseTimestamp(s.sampled_at)) {
        return Fail(PayloadKey::kSampledAt, "invalid RFC 3339 timestamp");
    }
    return std::nullopt;
}

std::optional<Violation> CheckFailed(const PayloadFacts& facts, const Event& event) {
    if (auto v = RequireString(facts, PayloadKey::kError)) return v;
    if (event.error.empty()) {
        return Fail(PayloadKey::kError, "must not be empty");
    }
    if (event.error.size() > kMaxErrorBytes) {
        return Fail(PayloadKey::kError, "longer than 4096 bytes");
    }
    if (auto v = RequireString(facts, PayloadKey::kErrorCode, false)) return v;
    if (event.error_code.size() > kMaxErrorCodeBytes) {
        return Fail(PayloadKey::kErrorCode, "longer than 256 bytes");
    }
    return std::nullopt;
}

std::optional<Violation> CheckReport(const PayloadFacts& facts) {
    if (auto v = RequireString(facts, PayloadKey::kStatus)) return v;
    if (facts.status != "running" && facts.status != "completed" && facts.status != "failed") {
        return Fail(PayloadKey::kStatus, "must be one of running|completed|failed");
    }
    return std::nullopt;
}

std::optional<Violation> CheckSubmit(const PayloadFacts& facts) {
    if (auto v = RequireString(facts, PayloadKey::kName)) return v;
    const std::size_t length = CodePointCount(facts.name);
    if (length < 1 || length > kMaxJobNameCodePoints) {
        return Fail(PayloadKey::kName, "must be 1-200 characters");
    }
    return RequireString(facts, PayloadKey::kKind);
}

}  // namespace

PayloadKey ClassifyPayloadKey(std::string_view key) noexcept {
    switch (key.size()) {
        case 4:
            if (key == "name") return PayloadKey::kName;
            if (key == "kind") return PayloadKey::kKind;
            break;
        case 5:
            if (key == "error") return PayloadKey::kError;
            break;
        case 6:
            if (key == "reason") return PayloadKey::kReason;
            if (key == "status") return PayloadKey::kStatus;
            if (key == "job_id") return PayloadKey::kJobId;
            break;
        case 9:
            if (key == "memory_mb") return PayloadKey::kMemoryMb;
            break;
        case 10:
            if (key == "io_read_mb") return PayloadKey::kIoReadMb;
            if (key == "error_code") return PayloadKey::kErrorCode;
            if (key == "sampled_at") return PayloadKey::kSampledAt;
            break;
        case 11:
            if (key == "cpu_percent") return PayloadKey::kCpuPercent;
            if (key == "io_write_mb") return PayloadKey::kIoWriteMb;
            break;
        case 17:
            if (key == "execution_time_ms") return PayloadKey::kExecutionTimeMs;
            break;
        default:
            break;
    }
    return PayloadKey::kNone;
}

void PayloadFacts::Reset() noexcept {
    for (std::size_t i = 0; i < kKeys; ++i) {
        kind[i] = ValueKind::kAbsent;
        duplicate[i] = false;
    }
    status.clear();
    name.clear();
    kind_text.clear();
    job_id.clear();
}

std::optional<Violation> CheckPayload(const PayloadFacts& facts, Event& event) {
    const std::string_view type = event.event_type;
    std::optional<Violation> violation;
    // The parser captured these strings whatever the type; keep only those the type defines.
    bool keep_error = false;
    bool keep_reason = false;
    bool keep_sample = false;
    if (type == "job.metrics") {
        violation = CheckMetrics(facts, event);
        keep_sample = true;
    } else {
        // execution_time_ms is optional on every other type, required on job.completed.
        violation = CheckExecutionTime(facts, type == "job.completed", event.execution_time_ms);
        if (!violation) {
            if (type == "job.failed") {
                violation = CheckFailed(facts, event);
                keep_error = true;
            } else if (type == "job.cancelled") {
                violation = RequireString(facts, PayloadKey::kReason);
                if (!violation && event.reason.size() > kMaxReasonBytes) {
                    violation = Fail(PayloadKey::kReason, "longer than 4096 bytes");
                }
                keep_reason = true;
            } else if (type == "command.report") {
                violation = CheckReport(facts);
            } else if (type == "command.submit") {
                violation = CheckSubmit(facts);
            }
        }
    }
    if (!keep_sample) {
        event.sample.sampled_at.clear();
    }
    if (!keep_error) {
        event.error.clear();
        event.error_code.clear();
    }
    if (!keep_reason) {
        event.reason.clear();
    }
    return violation;
}

}  // namespace cosmic::schema::detail
