#include "topic_reader.hpp"

#include <unistd.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "e2e_env.hpp"

namespace cosmic::e2e {
namespace {

void Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::invalid_argument(std::string("e2e reader: ") + name + ": " + error);
    }
}

/// Partition count from an all-topics metadata request (naming the topic could create it on a
/// broker that auto-creates topics).
int PartitionCount(rd_kafka_t* rk, const std::string& topic, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    std::string last = "no answer";
    while (Clock::now() < deadline) {
        const rd_kafka_metadata_t* metadata = nullptr;
        const rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, nullptr, &metadata, 5000);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            int count = 0;
            for (int i = 0; i < metadata->topic_cnt; ++i) {
                if (topic == metadata->topics[i].topic && metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                    count = metadata->topics[i].partition_cnt;
                }
            }
            rd_kafka_metadata_destroy(metadata);
            if (count > 0) {
                return count;
            }
            last = "topic not in metadata";
        } else {
            last = rd_kafka_err2str(err);
        }
    }
    throw std::runtime_error("e2e reader: no metadata for " + topic + ": " + last);
}

}  // namespace

TopicReader::TopicReader(const std::string& bootstrap, std::string topic)
    : TopicReader(bootstrap, std::move(topic), {}) {}

TopicReader::TopicReader(const std::string& bootstrap, std::string topic,
                         const std::map<std::string, std::string>& properties)
    : topic_(std::move(topic)) {
    static std::atomic<int> counter{0};
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", bootstrap);
    Set(conf, "group.id", "e2e-reader-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    Set(conf, "enable.auto.commit", "false");
    Set(conf, "enable.auto.offset.store", "false");
    Set(conf, "auto.offset.reset", "earliest");
    Set(conf, "allow.auto.create.topics", "false");
    // Quick to notice a leader change after a broker was killed.
    Set(conf, "topic.metadata.refresh.interval.ms", "1000");
    Set(conf, "reconnect.backoff.max.ms", "1000");
    Set(conf, "log.connection.close", "false");
    for (const auto& [name, value] : properties) {
        Set(conf, name.c_str(), value);
    }
    char error[512];
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (consumer_ == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("e2e reader: ") + error);
    }
    rd_kafka_poll_set_consumer(consumer_);
    try {
        partitions_ = PartitionCount(consumer_, topic_, std::chrono::seconds(60));
    } catch (...) {
        rd_kafka_destroy(consumer_);
        throw;
    }
    rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions_);
    for (int p = 0; p < partitions_; ++p) {
        rd_kafka_topic_partition_list_add(list, topic_.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    const rd_kafka_resp_err_t err = rd_kafka_assign(consumer_, list);
    rd_kafka_topic_partition_list_destroy(list);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_destroy(consumer_);
        throw std::runtime_error("e2e reader: assign " + topic_ + ": " + rd_kafka_err2str(err));
    }
}

TopicReader::~TopicReader() {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
}

bool TopicReader::PollUntil(const std::function<bool(const std::vector<TopicRecord>&)>& done,
                            std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    bool fresh = true;  // evaluate `done` once before waiting for more
    while (true) {
        if (fresh && done(records_)) {
            return true;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        fresh = false;
        // Drain what is there, then evaluate once per batch rather than per record.
        for (int i = 0; i < 10'000; ++i) {
            rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, i == 0 ? 200 : 0);
            if (message == nullptr) {
                break;
            }
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                TopicRecord& record = records_.emplace_back();
                record.partition = message->partition;
                record.offset = message->offset;
                if (message->key != nullptr) {
                    record.key.emplace(static_cast<const char*>(message->key), message->key_len);
                }
                if (message->payload != nullptr) {
                    record.value.assign(static_cast<const char*>(message->payload), message->len);
                }
                rd_kafka_headers_t* headers = nullptr;
                if (rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
                    const char* name = nullptr;
                    const void* value = nullptr;
                    std::size_t size = 0;
                    for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                                            RD_KAFKA_RESP_ERR_NO_ERROR;
                         ++i) {
                        record.headers[name] = value != nullptr ? std::string(static_cast<const char*>(value), size)
                                                                : std::string();
                    }
                }
                fresh = true;
            }
            // Errors (a broker down, partition EOF) are transient here; librdkafka recovers.
            rd_kafka_message_destroy(message);
        }
    }
}

}  // namespace cosmic::e2e
