#pragma once
// Admin requests the fixture needs on an external (real) cluster, where the mock's direct
// topic creation is not available: CreateTopics, DeleteRecords, the broker count.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <string>
#include <vector>

namespace cosmic::kafka::testing::detail {

/// Creates a topic; an existing topic is fine. Throws std::runtime_error otherwise.
void CreateTopicWithAdmin(rd_kafka_t* rk, const std::string& name, int partitions, int replication,
                          std::chrono::milliseconds timeout);

/// Brokers in the cluster's metadata. Throws when the cluster does not answer.
int BrokerCount(rd_kafka_t* rk, std::chrono::milliseconds timeout);

/// Deletes every record of every partition of `topics` (DeleteRecords up to the high watermark),
/// so a test on a shared cluster reads only what it produced itself. Offsets keep counting up
/// from where they were. Topics that do not exist are skipped. Throws on a failed partition.
void DeleteAllRecords(rd_kafka_t* rk, const std::vector<std::string>& topics, std::chrono::milliseconds timeout);

}  // namespace cosmic::kafka::testing::detail
