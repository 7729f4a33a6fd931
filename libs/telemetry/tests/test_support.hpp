#pragma once
/// Small helpers shared by the telemetry tests.

#include <prometheus/registry.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace cosmic::telemetry::testing {

/// Polls `condition` until it holds or `limit` passes; the result says which.
template <typename Condition>
bool WaitUntil(Condition condition, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

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
