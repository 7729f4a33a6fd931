#pragma once
// Private: librdkafka handles for health-monitor's own clients (the broadcast heartbeat reader
// and the cluster probe), built from the service's ClientConfig.

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

#include "cosmic/kafka/client_config.hpp"

namespace cosmic::health::detail {

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct PartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* metadata) const noexcept { rd_kafka_metadata_destroy(metadata); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

/// A client from `config` plus `overrides` (which win); librdkafka's log lines go to spdlog
/// (rate-limited). Throws std::invalid_argument naming a rejected property, std::runtime_error
/// when the client cannot be created.
Handle NewClient(rd_kafka_type_t type, const kafka::ClientConfig& config,
                 const std::map<std::string, std::string>& overrides);

}  // namespace cosmic::health::detail
