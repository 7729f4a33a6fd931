#pragma once
/// Looks at the cluster for ClusterMonitor: one metadata request (brokers, partitions, leaders,
/// replicas, ISR), the topics' configs (kafka::Admin, when the cluster answers DescribeConfigs),
/// and a reachability probe per broker: a ListOffsets(latest) for the partitions it leads, which
/// also yields the high watermarks the `.dlq` growth is measured on.
///
/// Why probe: a real cluster drops a dead broker from its metadata within its session timeout,
/// but the librdkafka mock cluster (and a partitioned network) keeps naming it; a broker whose
/// partitions cannot be read is not available to clients, whatever the metadata says.

#include <chrono>
#include <memory>

#include "cosmic/health_monitor/cluster_health.hpp"
#include "cosmic/kafka/admin.hpp"
#include "cosmic/kafka/client_config.hpp"

namespace cosmic::health {

/// Where observations come from (the probe in production, a script in unit tests).
class ClusterSource {
  public:
    virtual ~ClusterSource() = default;
    /// Never throws: failures are part of the observation.
    virtual ClusterObservation Observe() = 0;
};

class ClusterProbe final : public ClusterSource {
  public:
    /// Creates the clients (no request yet). Throws std::invalid_argument for a rejected property.
    ClusterProbe(const kafka::ClientConfig& client, std::chrono::milliseconds probe_timeout);
    ~ClusterProbe() override;
    ClusterObservation Observe() override;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace cosmic::health
