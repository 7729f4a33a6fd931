#pragma once
// Private helpers shared by the group lag reader and the admin client: client handles built
// from a ClientConfig and one-shot waits on Admin API results.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::kafka::detail {

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct QueueDeleter {
    void operator()(rd_kafka_queue_t* queue) const noexcept { rd_kafka_queue_destroy(queue); }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct EventDeleter {
    void operator()(rd_kafka_event_t* event) const noexcept { rd_kafka_event_destroy(event); }
};
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct AdminOptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* options) const noexcept { rd_kafka_AdminOptions_destroy(options); }
};
using AdminOptions = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;

/// A client from `config` plus `overrides` (which win). Throws std::invalid_argument naming a
/// rejected property, std::runtime_error when librdkafka cannot create the client.
Handle NewClient(rd_kafka_type_t type, const ClientConfig& config,
                 const std::map<std::string, std::string>& overrides = {});

/// Admin options for `op` with request and operation timeouts set to `timeout`.
AdminOptions NewAdminOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op, std::chrono::milliseconds timeout);

/// Waits for the next event on `queue` (an Admin API result); nullptr on timeout.
Event WaitEvent(rd_kafka_queue_t* queue, std::chrono::milliseconds timeout);

/// Partition count of every topic in the cluster, from one metadata request for all topics.
/// Naming a topic in the request instead would make brokers that cannot be told otherwise
/// (the mock cluster, old brokers) auto-create it.
rd_kafka_resp_err_t AllPartitionCounts(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                                       std::map<std::string, int, std::less<>>& counts);

}  // namespace cosmic::kafka::detail
