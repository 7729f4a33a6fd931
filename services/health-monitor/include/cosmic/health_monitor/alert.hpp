#pragma once
/// An alert as health-monitor raises it: identity (name + labels → id and fingerprint),
/// severity, summary, runbook link and its life (pending → firing → resolved).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace cosmic::health {

enum class Severity : std::uint8_t { kWarning, kCritical };
std::string_view ToString(Severity severity) noexcept;  ///< "warning", "critical"

/// What one rule found about one subject at one evaluation. A rule reports a subject while its
/// condition holds (`active`) or sits inside the hysteresis band (`active` false: not firing, but
/// not clear enough to resolve either); a subject it does not report is clear.
struct AlertCondition {
    std::string name;  ///< alertname, e.g. "HealthConsumerGroupFailing"
    Severity severity = Severity::kWarning;
    /// Subject labels (component, consumergroup, topic); alertname and severity are added.
    std::map<std::string, std::string> labels;
    std::string resource_id;  ///< component, group or topic: the audit-trail resource
    std::string summary;
    std::string description;
    std::string runbook_url;
    double value = 0;
    bool active = true;
};

enum class AlertState : std::uint8_t { kPending, kFiring, kResolved };
std::string_view ToString(AlertState state) noexcept;  ///< "pending", "firing", "resolved"

struct Alert {
    std::string id;           ///< name{k="v",...}: stable across evaluations and replicas
    std::string fingerprint;  ///< 16 hex digits of a hash of the id
    std::string name;
    Severity severity = Severity::kWarning;
    std::map<std::string, std::string> labels;  ///< subject labels + alertname + severity
    std::string resource_id;
    std::string summary;
    std::string description;
    std::string runbook_url;
    double value = 0;
    AlertState state = AlertState::kPending;
    std::int64_t pending_since_ms = 0;
    std::int64_t started_at_ms = 0;   ///< when it fired
    std::int64_t resolved_at_ms = 0;  ///< when it resolved (0 while firing)
    std::optional<std::int64_t> clear_since_ms;
};

/// name{k="v",...} with labels in name order.
std::string AlertId(std::string_view name, const std::map<std::string, std::string>& labels);
/// FNV-1a 64 of the id, as 16 lower-case hex digits.
std::string Fingerprint(std::string_view id);

/// A change to tell the world about.
struct AlertTransition {
    Alert alert;
    bool firing = true;  ///< false: resolved
};

}  // namespace cosmic::health
