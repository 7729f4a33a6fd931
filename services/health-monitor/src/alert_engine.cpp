#include "cosmic/health_monitor/alert_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

namespace cosmic::health {

std::string_view ToString(Severity severity) noexcept {
    return severity == Severity::kCritical ? "critical" : "warning";
}

std::string_view ToString(AlertState state) noexcept {
    switch (state) {
        case AlertState::kPending:
            return "pending";
        case AlertState::kFiring:
            return "firing";
        case AlertState::kResolved:
            return "resolved";
    }
    return "resolved";
}

std::string AlertId(std::string_view name, const std::map<std::string, std::string>& labels) {
    std::string id(name);
    id += '{';
    bool first = true;
    for (const auto& [key, value] : labels) {
        if (key == "alertname" || key == "severity") continue;
        if (!first) id += ',';
        first = false;
        id += key;
        id += "=\"";
        id += value;
        id += '"';
    }
    id += '}';
    return id;
}

std::string Fingerprint(std::string_view id) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (const char c : id) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 1099511628211ULL;
    }
    char text[17];
    std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

AlertEngine::AlertEngine(AlertSettings settings) : settings_(std::move(settings)) {}

std::vector<AlertTransition> AlertEngine::Evaluate(const std::vector<AlertCondition>& conditions, std::int64_t now_ms) {
    std::vector<AlertTransition> transitions;
    std::set<std::string> reported;
    for (const AlertCondition& condition : conditions) {
        std::string id = AlertId(condition.name, condition.labels);
        if (!reported.insert(id).second) continue;  // a rule reporting a subject twice counts once
        auto it = active_.find(id);
        if (it == active_.end()) {
            if (!condition.active) continue;  // in the band without having fired: nothing to hold
            if (active_.size() >= settings_.max_active) {
                ++dropped_;
                continue;
            }
            Alert alert;
            alert.id = id;
            alert.fingerprint = Fingerprint(id);
            alert.name = condition.name;
            alert.severity = condition.severity;
            alert.pending_since_ms = now_ms;
            it = active_.emplace(std::move(id), std::move(alert)).first;
        }
        Alert& alert = it->second;
        alert.labels = condition.labels;
        alert.labels["alertname"] = condition.name;
        alert.labels["severity"] = std::string(ToString(condition.severity));
        alert.resource_id = condition.resource_id;
        alert.summary = condition.summary;
        alert.description = condition.description;
        alert.runbook_url = condition.runbook_url;
        alert.value = condition.value;
        if (alert.state == AlertState::kPending) {
            if (!condition.active) {
                active_.erase(it);
                continue;
            }
            if (now_ms - alert.pending_since_ms >= settings_.fire_after.count()) {
                alert.state = AlertState::kFiring;
                alert.started_at_ms = now_ms;
                transitions.push_back({alert, true});
            }
        } else {
            alert.clear_since_ms.reset();  // active or in the band: holds
        }
    }
    for (auto it = active_.begin(); it != active_.end();) {
        Alert& alert = it->second;
        if (reported.count(it->first) != 0) {
            ++it;
            continue;
        }
        if (alert.state == AlertState::kPending) {
            it = active_.erase(it);
            continue;
        }
        if (!alert.clear_since_ms) alert.clear_since_ms = now_ms;
        if (now_ms - *alert.clear_since_ms < settings_.resolve_after.count()) {
            ++it;
            continue;
        }
        alert.state = AlertState::kResolved;
        alert.resolved_at_ms = now_ms;
        transitions.push_back({alert, false});
        history_.push_back(std::move(alert));
        while (history_.size() > settings_.history) history_.pop_front();
        it = active_.erase(it);
    }
    return transitions;
}

std::vector<Alert> AlertEngine::Firing() const {
    std::vector<Alert> firing;
    for (const auto& [id, alert] : active_) {
        if (alert.state == AlertState::kFiring) firing.push_back(alert);
    }
    std::sort(firing.begin(), firing.end(), [](const Alert& a, const Alert& b) {
        return a.started_at_ms != b.started_at_ms ? a.started_at_ms < b.started_at_ms : a.id < b.id;
    });
    return firing;
}

std::vector<Alert> AlertEngine::Resolved(std::size_t limit) const {
    std::vector<Alert> resolved;
    for (auto it = history_.rbegin(); it != history_.rend() && resolved.size() < limit; ++it) resolved.push_back(*it);
    return resolved;
}

std::size_t AlertEngine::FiringCount(Severity severity) const {
    return static_cast<std::size_t>(std::count_if(active_.begin(), active_.end(), [&](const auto& entry) {
        return entry.second.state == AlertState::kFiring && entry.second.severity == severity;
    }));
}

const Alert* AlertEngine::FindKnown(const std::string& fingerprint) const {
    for (const auto& [id, alert] : active_) {
        if (alert.fingerprint == fingerprint) return &alert;
    }
    for (auto it = history_.rbegin(); it != history_.rend(); ++it) {
        if (it->fingerprint == fingerprint) return &*it;
    }
    return nullptr;
}

std::vector<AlertTransition> AlertEngine::Reconcile(std::int64_t now_ms) {
    std::vector<AlertTransition> out;
    std::set<std::string> firing;
    for (const Alert& alert : Firing()) {
        firing.insert(alert.fingerprint);
        if (notified_.insert(alert.fingerprint).second) out.push_back({alert, true});
    }
    for (auto it = notified_.begin(); it != notified_.end();) {
        if (firing.count(*it) != 0) {
            ++it;
            continue;
        }
        const Alert* known = FindKnown(*it);
        if (known != nullptr) {
            Alert resolved = *known;
            if (resolved.state != AlertState::kResolved) {
                // Announced by a previous leader but never seen firing here: resolve it now.
                resolved.state = AlertState::kResolved;
                resolved.resolved_at_ms = now_ms;
            }
            out.push_back({std::move(resolved), false});
        } else {
            spdlog::warn("alert {} was announced by the previous leader but is unknown here; cannot resolve it", *it);
        }
        it = notified_.erase(it);
    }
    return out;
}

void AlertEngine::AdoptNotified(const std::vector<std::string>& fingerprints) {
    notified_.clear();
    for (const std::string& fp : fingerprints) {
        if (notified_.size() >= settings_.max_active) break;
        notified_.insert(fp);
    }
}

std::vector<std::string> AlertEngine::Notified() const { return {notified_.begin(), notified_.end()}; }

}  // namespace cosmic::health
