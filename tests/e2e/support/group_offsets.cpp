#include "group_offsets.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <stdexcept>

namespace cosmic::e2e {
namespace {

using Handle = std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)>;

void Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::invalid_argument(std::string("e2e group offsets: ") + name + ": " + error);
    }
}

int PartitionCount(rd_kafka_t* rk, const std::string& topic, int timeout_ms) {
    const rd_kafka_metadata_t* metadata = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, timeout_ms);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("e2e group offsets: metadata: " + std::string(rd_kafka_err2str(err)));
    }
    int count = 0;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        if (topic == metadata->topics[i].topic) count = metadata->topics[i].partition_cnt;
    }
    rd_kafka_metadata_destroy(metadata);
    if (count == 0) throw std::runtime_error("e2e group offsets: no topic " + topic);
    return count;
}

Handle OutsideConsumer(const std::string& bootstrap, const std::string& group) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", bootstrap);
    // The group's id, but no subscribe(): OffsetFetch only, the group is never joined.
    Set(conf, "group.id", group);
    Set(conf, "enable.auto.commit", "false");
    Set(conf, "log.connection.close", "false");
    char error[512];
    Handle consumer(rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error)), &rd_kafka_destroy);
    if (!consumer) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("e2e group offsets: ") + error);
    }
    return consumer;
}

/// The group's coordinator is being elected or loaded (a fresh cluster creating its offsets topic,
/// a new group, a broker that moved): the request is worth repeating.
bool CoordinatorMoving(rd_kafka_resp_err_t err) {
    return err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR || err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
           err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS || err == RD_KAFKA_RESP_ERR__TIMED_OUT;
}

/// Runs `request` until it returns something other than a coordinator moving, or `timeout` passed.
template <typename Request>
rd_kafka_resp_err_t WhileCoordinatorMoves(rd_kafka_t* consumer, std::chrono::milliseconds timeout, Request request) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const rd_kafka_resp_err_t err = request();
        if (!CoordinatorMoving(err) || std::chrono::steady_clock::now() >= deadline) return err;
        rd_kafka_poll(consumer, 100);  // backoff; librdkafka looks the coordinator up meanwhile
    }
}

}  // namespace

std::map<std::int32_t, PartitionOffsets> ReadGroupOffsets(const std::string& bootstrap, const std::string& group,
                                                          const std::string& topic, std::chrono::milliseconds timeout) {
    Handle consumer = OutsideConsumer(bootstrap, group);
    const int timeout_ms = static_cast<int>(timeout.count());
    const int partitions = PartitionCount(consumer.get(), topic, timeout_ms);
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> list(
        rd_kafka_topic_partition_list_new(partitions), &rd_kafka_topic_partition_list_destroy);
    for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p);
    const int try_ms = std::min(timeout_ms, 5000);
    const rd_kafka_resp_err_t err = WhileCoordinatorMoves(
        consumer.get(), timeout, [&] { return rd_kafka_committed(consumer.get(), list.get(), try_ms); });
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("e2e group offsets: OffsetFetch of " + group + ": " + rd_kafka_err2str(err));
    }
    std::map<std::int32_t, PartitionOffsets> out;
    for (int i = 0; i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& tp = list->elems[i];
        PartitionOffsets& offsets = out[tp.partition];
        offsets.committed = tp.offset >= 0 ? tp.offset : -1;
        const rd_kafka_resp_err_t wm = rd_kafka_query_watermark_offsets(consumer.get(), topic.c_str(), tp.partition,
                                                                        &offsets.low, &offsets.high, timeout_ms);
        if (wm != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("e2e group offsets: watermarks of " + topic + "[" + std::to_string(tp.partition) +
                                     "]: " + rd_kafka_err2str(wm));
        }
    }
    return out;
}

void CommitGroupAtEnd(const std::string& bootstrap, const std::string& group, const std::string& topic,
                      std::chrono::milliseconds timeout) {
    const auto offsets = ReadGroupOffsets(bootstrap, group, topic, timeout);
    Handle consumer = OutsideConsumer(bootstrap, group);
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> list(
        rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())), &rd_kafka_topic_partition_list_destroy);
    for (const auto& [partition, at] : offsets) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = at.high;
    }
    // A synchronous commit outside any generation: the coordinator takes it for an empty group.
    const rd_kafka_resp_err_t err = WhileCoordinatorMoves(consumer.get(), timeout, [&] {
        const rd_kafka_resp_err_t request = rd_kafka_commit(consumer.get(), list.get(), 0);
        for (int i = 0; request == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
            if (CoordinatorMoving(list->elems[i].err)) return list->elems[i].err;
        }
        return request;
    });
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("e2e group offsets: commit of " + group + ": " + rd_kafka_err2str(err));
    }
    for (int i = 0; i < list->cnt; ++i) {
        if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("e2e group offsets: commit of " + group + " on partition " +
                                     std::to_string(list->elems[i].partition) + ": " +
                                     rd_kafka_err2str(list->elems[i].err));
        }
    }
}

std::int64_t Unconsumed(const std::map<std::int32_t, PartitionOffsets>& offsets) {
    std::int64_t total = 0;
    for (const auto& [partition, at] : offsets) {
        total += at.high - (at.committed >= 0 ? at.committed : at.low);
    }
    return total;
}

}  // namespace cosmic::e2e
