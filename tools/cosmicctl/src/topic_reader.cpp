#include "topic_reader.hpp"

#include <unistd.h>

#include <algorithm>
#include <memory>

#include "args.hpp"

namespace cosmic::cosmicctl {
namespace {

using Clock = std::chrono::steady_clock;

ReadRecord ToRecord(const rd_kafka_message_t* message) {
    ReadRecord record;
    record.topic = rd_kafka_topic_name(message->rkt);
    record.partition = message->partition;
    record.offset = message->offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    record.timestamp_ms = rd_kafka_message_timestamp(message, &type);
    if (message->key != nullptr) {
        record.key.emplace(static_cast<const char*>(message->key), message->key_len);
    }
    if (message->payload != nullptr) {
        record.value.assign(static_cast<const char*>(message->payload), message->len);
    }
    record.headers = kafka::HeaderView(message).ToHeaders();
    return record;
}

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

}  // namespace

TopicReader::TopicReader(const kafka::ClientConfig& config, std::chrono::milliseconds timeout) : timeout_(timeout) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    auto properties = config.properties;
    // A throw-away group id: consumer_poll needs one, but nothing subscribes or commits.
    properties["group.id"] = "cosmicctl-reader-" + std::to_string(::getpid());
    properties["enable.auto.commit"] = "false";
    properties["enable.auto.offset.store"] = "false";
    properties["enable.partition.eof"] = "false";
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw UsageError("kafka property '" + name + "': " + error);
        }
    }
    bootstrap_ = properties["bootstrap.servers"];
    consumer_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (consumer_ == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw CommandError(std::string("cannot create a Kafka client: ") + error);
    }
    rd_kafka_poll_set_consumer(consumer_);
}

TopicReader::~TopicReader() {
    rd_kafka_consumer_close(consumer_);
    rd_kafka_destroy(consumer_);
}

void TopicReader::Unreachable(rd_kafka_resp_err_t err) const {
    throw CommandError("cannot reach Kafka at " + bootstrap_ + " within " + std::to_string(timeout_.count()) +
                       " ms: " + rd_kafka_err2str(err));
}

std::map<std::string, int> TopicReader::Topics() {
    // All-topics metadata: naming a topic would make some brokers create it.
    const rd_kafka_metadata_t* metadata = nullptr;
    if (auto err = rd_kafka_metadata(consumer_, 1, nullptr, &metadata, static_cast<int>(timeout_.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Unreachable(err);
    }
    std::map<std::string, int> topics;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        if (metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            topics[metadata->topics[i].topic] = metadata->topics[i].partition_cnt;
        }
    }
    rd_kafka_metadata_destroy(metadata);
    return topics;
}

int TopicReader::PartitionCount(const std::string& topic) {
    const auto topics = Topics();
    auto it = topics.find(topic);
    if (it == topics.end()) {
        throw CommandError("unknown topic '" + topic + "'");
    }
    return it->second;
}

std::pair<std::int64_t, std::int64_t> TopicReader::Watermarks(const std::string& topic, std::int32_t partition) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    if (auto err = rd_kafka_query_watermark_offsets(consumer_, topic.c_str(), partition, &low, &high,
                                                    static_cast<int>(timeout_.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw CommandError("watermarks of " + topic + "/" + std::to_string(partition) + ": " + rd_kafka_err2str(err));
    }
    return {low, high};
}

void TopicReader::Assign(const std::string& topic, const std::map<std::int32_t, std::int64_t>& starts) {
    // Load the partition leaders first: assigning a partition whose leader is not known yet
    // waits for librdkafka's offset-query retry timer.
    std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> handle(
        rd_kafka_topic_new(consumer_, topic.c_str(), nullptr), &rd_kafka_topic_destroy);
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(consumer_, 0, handle.get(), &metadata, static_cast<int>(timeout_.count())) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(metadata);
    }
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(starts.size())));
    for (const auto& [partition, offset] : starts) {
        rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), partition)->offset = offset;
    }
    if (auto err = rd_kafka_assign(consumer_, list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw CommandError("assign " + topic + ": " + rd_kafka_err2str(err));
    }
}

void TopicReader::Read(const std::string& topic, const std::vector<ReadRange>& ranges, const RecordSink& sink) {
    std::map<std::int32_t, std::int64_t> starts;
    std::map<std::int32_t, std::int64_t> ends;
    for (const auto& range : ranges) {
        if (range.end > range.start) {
            starts[range.partition] = range.start;
            ends[range.partition] = range.end;
        }
    }
    if (starts.empty()) {
        return;
    }
    Assign(topic, starts);
    // The deadline moves with progress: a large topic may take longer than one timeout.
    auto deadline = Clock::now() + timeout_;
    bool stopped = false;
    while (!ends.empty() && !stopped && Clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, 100);
        if (message == nullptr) {
            continue;
        }
        std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> guard(message,
                                                                                       &rd_kafka_message_destroy);
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (message->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                message->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
                throw CommandError(std::string("reading ") + topic + ": " + rd_kafka_message_errstr(message));
            }
            continue;  // transient; librdkafka retries
        }
        auto it = ends.find(message->partition);
        if (it == ends.end() || message->offset >= it->second) {
            continue;
        }
        deadline = Clock::now() + timeout_;
        if (message->offset + 1 >= it->second) {
            ends.erase(it);
        }
        stopped = !sink(ToRecord(message));
    }
    rd_kafka_assign(consumer_, nullptr);
    if (!ends.empty() && !stopped) {
        throw CommandError("reading " + topic + ": no progress within " + std::to_string(timeout_.count()) + " ms");
    }
}

void TopicReader::Follow(const std::string& topic, const std::map<std::int32_t, std::int64_t>& starts,
                         const std::atomic<bool>& stop, const RecordSink& sink) {
    Assign(topic, starts);
    while (!stop.load()) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer_, 100);
        if (message == nullptr) {
            continue;
        }
        std::unique_ptr<rd_kafka_message_t, decltype(&rd_kafka_message_destroy)> guard(message,
                                                                                       &rd_kafka_message_destroy);
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && !sink(ToRecord(message))) {
            break;
        }
    }
    rd_kafka_assign(consumer_, nullptr);
}

}  // namespace cosmic::cosmicctl
