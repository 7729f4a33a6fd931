#include "cosmic/metrics_consumer/sample_validator.hpp"

#include <cmath>
#include <string>
#include <string_view>

namespace cosmic::metrics {

namespace {

std::optional<schema::Violation> CheckMeasure(std::string_view field, double value) {
    if (std::isnan(value)) return schema::Violation{std::string(field), "NaN"};
    if (std::isinf(value)) return schema::Violation{std::string(field), "not finite"};
    if (value < 0) return schema::Violation{std::string(field), "negative"};
    return std::nullopt;
}

}  // namespace

std::optional<schema::Violation> ValidateSample(const schema::Event& event) {
    if (event.job_id.empty()) return schema::Violation{"job_id", "missing"};
    if (event.event_id.empty()) return schema::Violation{"event_id", "missing"};
    const schema::MetricsSample& sample = event.sample;
    if (auto violation = CheckMeasure("payload.cpu_percent", sample.cpu_percent)) return violation;
    if (auto violation = CheckMeasure("payload.memory_mb", sample.memory_mb)) return violation;
    if (auto violation = CheckMeasure("payload.io_read_mb", sample.io_read_mb)) return violation;
    if (auto violation = CheckMeasure("payload.io_write_mb", sample.io_write_mb)) return violation;
    if (sample.execution_time_ms < 0) return schema::Violation{"payload.execution_time_ms", "negative"};
    return std::nullopt;
}

}  // namespace cosmic::metrics
