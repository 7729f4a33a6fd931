#pragma once
/// The JSON of GET /api/v1/health, GET /api/v1/alerts and the status page's WebSocket frames.

#include <cstdint>
#include <string>
#include <vector>

#include "cosmic/health_monitor/alert.hpp"
#include "cosmic/health_monitor/health_model.hpp"

namespace cosmic::schema {
class JsonWriter;
}

namespace cosmic::health {

/// One evaluation's complete picture.
struct HealthSnapshot {
    std::int64_t generated_at_ms = 0;
    std::string instance;
    bool leader = false;
    /// The leadership group and this replica's partitions of system-health in it.
    std::string leadership_group;
    std::vector<std::int32_t> leadership_partitions;
    /// "HEALTHY" (nothing firing, everything up), "DEGRADED" (warnings, a degraded component or
    /// cluster) or "UNHEALTHY" (a critical alert firing).
    std::string status = "HEALTHY";
    std::vector<ServiceView> services;
    std::vector<GroupView> groups;
    ClusterView cluster;
    std::vector<Alert> firing;
};

/// HEALTHY / DEGRADED / UNHEALTHY from the parts (see HealthSnapshot::status).
std::string OverallStatus(const HealthSnapshot& snapshot);

void WriteAlert(schema::JsonWriter& w, const Alert& alert);
/// {"generated_at", "instance", "role", "status", "components", "groups", "cluster", "alerts"}
std::string HealthJson(const HealthSnapshot& snapshot);
/// {"state", "alerts": [...]}
std::string AlertsJson(const std::string& state, const std::vector<Alert>& alerts);

}  // namespace cosmic::health
