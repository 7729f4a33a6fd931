#pragma once
/// health-monitor's Prometheus metrics (README.md "Metrics"), updated once per evaluation from
/// the snapshot. Gauge references are cached per label set and removed when their subject goes
/// away; labels are bounded by configuration (groups, table topics, services), never job or user ids.

#include <map>
#include <string>
#include <tuple>

#include "cosmic/health_monitor/health_json.hpp"

namespace prometheus {
class Gauge;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace cosmic::health {

class HealthMetrics {
  public:
    explicit HealthMetrics(prometheus::Registry& registry);

    /// `alerts_owned`: this replica is the leader, so its firing alerts are the ones sent; a
    /// follower exports 0 so that sum(cosmic_alerts_active) over replicas counts each alert once.
    void Update(const HealthSnapshot& snapshot, bool alerts_owned);

  private:
    using PartitionKey = std::tuple<std::string, std::string, std::int32_t>;

    prometheus::Family<prometheus::Gauge>& group_lag_;
    prometheus::Family<prometheus::Gauge>& group_lag_seconds_;
    prometheus::Family<prometheus::Gauge>& group_status_;
    prometheus::Family<prometheus::Gauge>& component_up_;
    prometheus::Family<prometheus::Gauge>& component_instances_;
    prometheus::Family<prometheus::Gauge>& under_replicated_;
    prometheus::Family<prometheus::Gauge>& offline_;
    prometheus::Family<prometheus::Gauge>& dlq_end_offset_;
    prometheus::Family<prometheus::Gauge>& brokers_;
    prometheus::Family<prometheus::Gauge>& alerts_;
    prometheus::Gauge& brokers_expected_;
    prometheus::Gauge& brokers_metadata_;
    prometheus::Gauge& brokers_available_;
    prometheus::Gauge& alerts_warning_;
    prometheus::Gauge& alerts_critical_;
    prometheus::Gauge& leader_;

    std::map<PartitionKey, prometheus::Gauge*> lag_;
    std::map<PartitionKey, prometheus::Gauge*> lag_seconds_;
    std::map<std::string, prometheus::Gauge*> status_;
    struct ComponentGauges {
        prometheus::Gauge* up;
        prometheus::Gauge* instances_up;
        prometheus::Gauge* instances_down;
    };
    std::map<std::string, ComponentGauges> components_;
    std::map<std::string, std::pair<prometheus::Gauge*, prometheus::Gauge*>> topics_;
    std::map<std::string, prometheus::Gauge*> dlq_;
};

}  // namespace cosmic::health
