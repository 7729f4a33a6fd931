#pragma once
/// Topic administration on the shared cluster with librdkafka's Admin API, independent of the
/// suite's own admin code (which the tests check): create, delete, replace configs, describe.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <string>

namespace cosmic::e2e {

/// A topic as the cluster has it.
struct TopicState {
    int partitions = 0;
    int replication = 0;                         ///< replicas of partition 0
    std::map<std::string, std::string> configs;  ///< every config DescribeConfigs returned
};

class AdminClient {
  public:
    explicit AdminClient(const std::string& bootstrap, std::chrono::milliseconds timeout = std::chrono::seconds(60));
    ~AdminClient();
    AdminClient(const AdminClient&) = delete;
    AdminClient& operator=(const AdminClient&) = delete;

    /// Throws std::runtime_error with the broker's message (TOPIC_ALREADY_EXISTS included).
    void CreateTopic(const std::string& name, int partitions, int replication,
                     const std::map<std::string, std::string>& configs);
    /// Deletes a topic and waits until it is gone from metadata.
    void DeleteTopic(const std::string& name);
    /// Replaces the topic's dynamic configs with `configs` (AlterConfigs is not incremental:
    /// a config left out goes back to the broker default).
    void SetTopicConfigs(const std::string& name, const std::map<std::string, std::string>& configs);
    /// Partitions, replication and configs; throws when the topic does not exist.
    TopicState Describe(const std::string& name);

  private:
    /// Polls the admin queue for the result event of `type`; throws on timeout.
    rd_kafka_event_t* WaitResult(rd_kafka_event_type_t type);
    bool InMetadata(const std::string& name, int* partitions, int* replication);

    std::chrono::milliseconds timeout_;
    rd_kafka_t* client_ = nullptr;
    rd_kafka_queue_t* queue_ = nullptr;
};

}  // namespace cosmic::e2e
