#include "external_admin.hpp"

#include <memory>
#include <chrono>
#include <stdexcept>
#include <thread>

namespace cosmic::kafka::testing::detail {
namespace {

struct EventDeleter {
    void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};
using Event = std::unique_ptr<rd_kafka_event_t, EventDeleter>;

struct QueueDeleter {
    void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
using Queue = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;

struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* metadata) const { rd_kafka_metadata_destroy(metadata); }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

Metadata AllTopics(rd_kafka_t* rk, std::chrono::milliseconds timeout) {
    const rd_kafka_metadata_t* metadata = nullptr;
    if (const auto err = rd_kafka_metadata(rk, 1, nullptr, &metadata, static_cast<int>(timeout.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(std::string("embedded cluster: cluster metadata: ") + rd_kafka_err2str(err));
    }
    return Metadata(metadata);
}

}  // namespace

void CreateTopicWithAdmin(rd_kafka_t* rk, const std::string& name, int partitions, int replication,
                          std::chrono::milliseconds timeout) {
    char error[512];
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(name.c_str(), partitions, replication, error, sizeof(error));
    if (topic == nullptr) {
        throw std::invalid_argument("embedded cluster: topic " + name + ": " + error);
    }
    Queue queue(rd_kafka_queue_new(rk));
    rd_kafka_CreateTopics(rk, &topic, 1, nullptr, queue.get());
    rd_kafka_NewTopic_destroy(topic);
    const Event event(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count())));
    std::string failure;
    if (!event) {
        failure = "timed out";
    } else if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        failure = rd_kafka_event_error_string(event.get());
    } else {
        size_t count = 0;
        const rd_kafka_topic_result_t** results =
            rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event.get()), &count);
        for (size_t i = 0; i < count; ++i) {
            const auto err = rd_kafka_topic_result_error(results[i]);
            if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
                failure = rd_kafka_topic_result_error_string(results[i]);
            }
        }
    }
    if (!failure.empty()) {
        throw std::runtime_error("embedded cluster: create topic " + name + ": " + failure);
    }
}

int BrokerCount(rd_kafka_t* rk, std::chrono::milliseconds timeout) { return AllTopics(rk, timeout)->broker_cnt; }

namespace {

/// One DeleteRecords round; returns the first per-partition error that leadership moving would
/// explain (the caller retries), throws on any other failure.
rd_kafka_resp_err_t DeleteAllRecordsOnce(rd_kafka_t* rk, const std::vector<std::string>& topics,
                                         std::chrono::milliseconds timeout) {
    const Metadata metadata = AllTopics(rk, timeout);
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)> offsets(
        rd_kafka_topic_partition_list_new(0), &rd_kafka_topic_partition_list_destroy);
    for (int t = 0; t < metadata->topic_cnt; ++t) {
        const auto& topic = metadata->topics[t];
        bool wanted = false;
        for (const auto& name : topics) wanted = wanted || name == topic.topic;
        if (!wanted || topic.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            continue;
        }
        for (int p = 0; p < topic.partition_cnt; ++p) {
            rd_kafka_topic_partition_list_add(offsets.get(), topic.topic, topic.partitions[p].id)->offset =
                RD_KAFKA_OFFSET_END;  // up to the high watermark: everything
        }
    }
    if (offsets->cnt == 0) {
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    rd_kafka_DeleteRecords_t* request = rd_kafka_DeleteRecords_new(offsets.get());
    Queue queue(rd_kafka_queue_new(rk));
    rd_kafka_DeleteRecords(rk, &request, 1, nullptr, queue.get());
    rd_kafka_DeleteRecords_destroy(request);
    const Event event(rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count())));
    if (!event) {
        throw std::runtime_error("embedded cluster: DeleteRecords timed out");
    }
    if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error(std::string("embedded cluster: DeleteRecords: ") +
                                 rd_kafka_event_error_string(event.get()));
    }
    const rd_kafka_topic_partition_list_t* results =
        rd_kafka_DeleteRecords_result_offsets(rd_kafka_event_DeleteRecords_result(event.get()));
    for (int i = 0; results != nullptr && i < results->cnt; ++i) {
        const rd_kafka_resp_err_t err = results->elems[i].err;
        if (err == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION || err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
            err == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || err == RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS) {
            return err;
        }
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("embedded cluster: DeleteRecords " + std::string(results->elems[i].topic) + "/" +
                                     std::to_string(results->elems[i].partition) + ": " + rd_kafka_err2str(err));
        }
    }
    return RD_KAFKA_RESP_ERR_NO_ERROR;
}

}  // namespace

void DeleteAllRecords(rd_kafka_t* rk, const std::vector<std::string>& topics, std::chrono::milliseconds timeout) {
    // Right after a broker restart (an earlier test's fault) leadership may still be moving: ask
    // again with fresh metadata, backing off, before calling it a failure.
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int attempt = 1; attempt <= 10; ++attempt) {
        err = DeleteAllRecordsOnce(rk, topics, timeout);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(200 * attempt));  // retry backoff
    }
    throw std::runtime_error(std::string("embedded cluster: DeleteRecords still failing after 10 attempts: ") +
                             rd_kafka_err2str(err));
}

}  // namespace cosmic::kafka::testing::detail
