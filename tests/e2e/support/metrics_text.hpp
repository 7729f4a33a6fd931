#pragma once
/// Reads one sample from a Prometheus text exposition (a service's /metrics).

#include <optional>
#include <string_view>

namespace cosmic::e2e {

/// The value of the sample whose name and labels are exactly `series`, e.g.
/// `cosmic_audit_rows_total{outcome="duplicate"}`; nullopt when absent.
std::optional<double> MetricValue(std::string_view exposition, std::string_view series);

}  // namespace cosmic::e2e
