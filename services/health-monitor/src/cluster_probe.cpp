#include "cosmic/health_monitor/cluster_probe.hpp"

#include <spdlog/spdlog.h>

#include <exception>
#include <map>
#include <string>

#include "cosmic/schema/topics.hpp"
#include "rd_client.hpp"

namespace cosmic::health {
namespace {

bool Watched(std::string_view topic) {
    return schema::FindTopic(topic) != nullptr ||
           (schema::IsDlqTopic(topic) && schema::FindTopic(schema::DlqSourceTopic(topic)) != nullptr);
}

}  // namespace

struct ClusterProbe::Impl {
    Impl(const kafka::ClientConfig& client, std::chrono::milliseconds timeout)
        : timeout(timeout),
          handle(detail::NewClient(
              RD_KAFKA_PRODUCER, client,
              {{"client.id", "health-monitor-cluster-probe"}, {"topic.metadata.refresh.interval.ms", "10000"}})),
          admin(client, timeout) {}

    std::chrono::milliseconds timeout;
    detail::Handle handle;
    kafka::Admin admin;
};

ClusterProbe::ClusterProbe(const kafka::ClientConfig& client, std::chrono::milliseconds probe_timeout)
    : impl_(std::make_unique<Impl>(client, probe_timeout)) {}

ClusterProbe::~ClusterProbe() = default;

ClusterObservation ClusterProbe::Observe() {
    ClusterObservation observation;
    rd_kafka_t* rk = impl_->handle.get();
    const rd_kafka_metadata_t* raw = nullptr;
    // All topics: naming one would make the mock cluster (and old brokers) auto-create it.
    if (auto err = rd_kafka_metadata(rk, 1, nullptr, &raw, static_cast<int>(impl_->timeout.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        observation.error = std::string("cluster metadata: ") + rd_kafka_err2name(err) + ": " + rd_kafka_err2str(err);
        return observation;
    }
    detail::Metadata metadata(raw);
    observation.metadata_ok = true;
    std::map<std::int32_t, std::size_t> broker_index;
    for (int i = 0; i < metadata->broker_cnt; ++i) {
        const auto& b = metadata->brokers[i];
        broker_index[b.id] = observation.brokers.size();
        observation.brokers.push_back(BrokerView{b.id, b.host, b.port, std::nullopt, {}});
    }

    // Topics with configs from the Admin API; the metadata above is the fallback for partitions.
    try {
        observation.topics = impl_->admin.DescribeTopics();
    } catch (const std::exception& error) {
        observation.metadata_ok = false;
        observation.error = std::string("describe topics: ") + error.what();
        return observation;
    }

    // Probe each broker with the watched partitions it leads.
    std::map<std::int32_t, detail::PartitionList> by_leader;
    for (int t = 0; t < metadata->topic_cnt; ++t) {
        const auto& topic = metadata->topics[t];
        if (topic.err != RD_KAFKA_RESP_ERR_NO_ERROR || !Watched(topic.topic)) continue;
        for (int p = 0; p < topic.partition_cnt; ++p) {
            const auto& partition = topic.partitions[p];
            if (partition.leader < 0) continue;
            auto& list = by_leader[partition.leader];
            if (!list) list.reset(rd_kafka_topic_partition_list_new(16));
            rd_kafka_topic_partition_list_add(list.get(), topic.topic, partition.id)->offset = RD_KAFKA_OFFSET_END;
        }
    }
    std::map<std::string, std::int64_t> sums;
    std::map<std::string, int> read;
    for (auto& [leader, list] : by_leader) {
        const auto err = rd_kafka_offsets_for_times(rk, list.get(), static_cast<int>(impl_->timeout.count()));
        auto index = broker_index.find(leader);
        if (index != broker_index.end()) {
            BrokerView& broker = observation.brokers[index->second];
            broker.reachable = (err == RD_KAFKA_RESP_ERR_NO_ERROR);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                broker.error = std::string("ListOffsets: ") + rd_kafka_err2name(err) + ": " + rd_kafka_err2str(err);
            }
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
        for (int i = 0; i < list->cnt; ++i) {
            const auto& entry = list->elems[i];
            if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR || entry.offset < 0) continue;
            sums[entry.topic] += entry.offset;
            ++read[entry.topic];
        }
    }
    for (const kafka::ObservedTopic& topic : observation.topics) {
        auto count = read.find(topic.name);
        if (count != read.end() && count->second == static_cast<int>(topic.partitions.size())) {
            observation.end_offsets[topic.name] = sums[topic.name];
        }
    }
    return observation;
}

}  // namespace cosmic::health
