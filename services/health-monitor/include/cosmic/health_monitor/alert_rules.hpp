#pragma once
/// The alert rules (README.md "Alerts"): pure functions from the views to conditions. Thresholds
/// come from the configuration; hysteresis bands are reported as inactive conditions so a firing
/// alert holds while its value hovers just under the threshold.

#include <cstdint>
#include <string>
#include <vector>

#include "cosmic/health_monitor/alert.hpp"
#include "cosmic/health_monitor/health_model.hpp"
#include "cosmic/kafka/lag_time.hpp"

namespace cosmic::health {

struct RuleSettings {
    double error_ratio = 0.05;
    double hysteresis = 0.2;
    kafka::AbsoluteThresholds lag;
    std::int64_t dlq_growth_threshold = 0;
    std::string runbook_base_url;
    std::int64_t stale_after_ms = 30'000;
};

/// Every alert name the rules can raise, in README order.
const std::vector<std::string>& AlertNames();

std::vector<AlertCondition> EvaluateRules(const std::vector<ServiceView>& services,
                                          const std::vector<GroupView>& groups, const ClusterView& cluster,
                                          const RuleSettings& settings, std::int64_t now_ms);

}  // namespace cosmic::health
