#pragma once
/// Small helpers shared by the telemetry tests.

#include <prometheus/registry.h>

#include <map>
#include <optional>
#include <string>

namespace cosmic::telemetry::testing {

/// The value of a counter/gauge series (histograms: the sample count); nullopt when absent.
inline std::optional<double> MetricValue(prometheus::Registry& registry, const std::string& name,
                                         const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry.Collect()) {
        if (family.name != name) {
            continue;
        }
        for (const auto& metric : family.metric) {
            std::map<std::string, std::string> have;
            for (const auto& label : metric.label) {
                have[label.name] = label.value;
            }
            if (have != labels) {
                continue;
            }
            switch (family.type) {
                case prometheus::MetricType::Counter:
                    return metric.counter.value;
                case prometheus::MetricType::Gauge:
                    return metric.gauge.value;
                case prometheus::MetricType::Histogram:
                    return static_cast<double>(metric.histogram.sample_count);
                default:
                    return std::nullopt;
            }
        }
    }
    return std::nullopt;
}

}  // namespace cosmic::telemetry::testing
