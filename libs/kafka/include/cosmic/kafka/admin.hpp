#pragma once
/// Topic administration for a real cluster: the topic table (DESIGN.md §4) as desired state,
/// what the cluster has as observed state, and a pure planner between them. `ApplyTopics`
/// creates missing topics and adds partitions; configuration and replication differences are
/// reported as drift, never changed behind the operator's back.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::kafka {

/// A topic as the table wants it.
struct DesiredTopic {
    std::string name;
    int partitions = 1;
    int replication_factor = 1;
    /// Topic configs to set on creation and to check for drift: retention.ms,
    /// compression.type, cleanup.policy, min.insync.replicas.
    std::map<std::string, std::string> configs;
};

struct TopicTableOptions {
    /// Default: min(3, brokers).
    std::optional<int> replication_factor;
    /// Default: min(2, replication factor), so a one-broker cluster still accepts acks=all.
    std::optional<int> min_insync_replicas;
    /// Also the `<topic>.dlq` twin of every topic (same partitions and compression, 30 d).
    bool include_dlq = true;
};

/// The six table topics (and their `.dlq` twins) for a cluster of `brokers` brokers. Throws
/// std::invalid_argument when the options cannot work (replication above the broker count,
/// min.insync above replication).
std::vector<DesiredTopic> TopicTable(const TopicTableOptions& options, int brokers);

struct PartitionState {
    std::int32_t id = 0;
    std::int32_t leader = -1;
    std::vector<std::int32_t> replicas;
    std::vector<std::int32_t> isr;
};

/// A topic as the cluster has it.
struct ObservedTopic {
    std::string name;
    std::vector<PartitionState> partitions;
    /// Non-default configs plus every config DescribeConfigs returned; empty when unknown.
    std::map<std::string, std::string> configs;
    /// False when the cluster did not answer DescribeConfigs (e.g. the mock cluster).
    bool configs_known = false;
    std::string configs_error;  ///< why configs are unknown

    int ReplicationFactor() const noexcept;
};

enum class TopicActionKind {
    kCreate,            ///< topic missing: create it
    kAddPartitions,     ///< fewer partitions than the table: add them
    kPartitionsAbove,   ///< more partitions than the table: reported, Kafka cannot shrink
    kReplicationDrift,  ///< replication differs: reported (needs a reassignment)
    kConfigDrift,       ///< a config differs: reported
    kConfigsUnknown,    ///< configs could not be read: reported
};

/// One planned change or finding. `Describe()` is the operator-facing line.
struct TopicAction {
    TopicActionKind kind = TopicActionKind::kCreate;
    std::string topic;
    int partitions_from = 0;
    int partitions_to = 0;
    std::string config;    ///< kConfigDrift: config name
    std::string observed;  ///< kConfigDrift / kReplicationDrift: value the cluster has
    std::string desired;   ///< kConfigDrift / kReplicationDrift: value the table wants
    DesiredTopic spec;     ///< kCreate: what to create

    /// True for actions ApplyTopics carries out (create, add partitions).
    bool Changes() const noexcept;
    /// "created job-lifecycle (10 partitions, replication 3)", "job-lifecycle: partitions 5→10",
    /// "job-lifecycle: drift: retention.ms 604800000 (table: 2592000000)", ...
    std::string Describe() const;
};

/// Pure planner: what to do so `observed` matches `desired`. Topics not in `desired` are
/// ignored. Actions come in `desired` order.
std::vector<TopicAction> PlanTopics(const std::vector<DesiredTopic>& desired,
                                    const std::vector<ObservedTopic>& observed);

/// Pure re-planner for a create race: CreateTopics answered "already exists" for the topics in
/// `existing` (another client created them between the describe and the create, with whatever
/// partitions and configs it chose). Replaces their kCreate actions in `actions` by the plan
/// against `existing` as described again (partitions to add, partitions above, drift); other
/// actions are kept in order. A kCreate whose topic is not in `existing` stays as it is.
std::vector<TopicAction> ReplanExisting(std::vector<TopicAction> actions, const std::vector<DesiredTopic>& desired,
                                        const std::vector<ObservedTopic>& existing);

/// An Admin API failure; keeps librdkafka's error code of the first failure.
class AdminError : public std::runtime_error {
  public:
    AdminError(rd_kafka_resp_err_t code, const std::string& message) : std::runtime_error(message), code_(code) {}
    rd_kafka_resp_err_t Code() const noexcept { return code_; }

  private:
    rd_kafka_resp_err_t code_;
};

class Admin {
  public:
    explicit Admin(const ClientConfig& config, std::chrono::milliseconds timeout = std::chrono::seconds(30));
    ~Admin();
    Admin(const Admin&) = delete;
    Admin& operator=(const Admin&) = delete;

    /// Brokers in the cluster's metadata. Throws AdminError when the cluster is unreachable.
    int BrokerCount();

    /// Topics with partitions, leaders, replicas, ISR and configs. Empty `names` = every topic
    /// (internal ones starting with "__" left out). A named topic that does not exist throws
    /// AdminError(UNKNOWN_TOPIC_OR_PART).
    std::vector<ObservedTopic> DescribeTopics(const std::vector<std::string>& names = {});

    /// Plans `desired` against the cluster and (unless `dry_run`) creates missing topics and
    /// adds partitions. Returns every action, the carried-out ones and the findings; running it
    /// again after success returns no changing actions. Throws AdminError if a change fails.
    std::vector<TopicAction> ApplyTopics(const std::vector<DesiredTopic>& desired, bool dry_run = false);

  private:
    void DescribeConfigs(std::vector<ObservedTopic>& topics);
    /// Creates the topics; returns the names the cluster answered "already exists" for.
    std::vector<std::string> CreateTopics(const std::vector<const TopicAction*>& actions);
    /// DescribeTopics(names), retried within the timeout while a just-created topic is not yet
    /// in the metadata the client sees.
    std::vector<ObservedTopic> DescribeCreated(const std::vector<std::string>& names);
    void CreatePartitions(const std::vector<const TopicAction*>& actions);

    std::chrono::milliseconds timeout_;
    rd_kafka_t* client_ = nullptr;
    rd_kafka_queue_t* queue_ = nullptr;
    bool controller_known_ = false;  ///< from the last DescribeTopics
};

}  // namespace cosmic::kafka
