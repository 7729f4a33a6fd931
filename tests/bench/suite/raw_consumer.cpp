#include "raw_consumer.hpp"

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <vector>

namespace cosmic::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ProcessCpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

void Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char error[256];
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(name + ": " + error);
    }
}

struct ConsumerDeleter {
    void operator()(rd_kafka_t* consumer) const {
        rd_kafka_consumer_close(consumer);
        rd_kafka_destroy(consumer);
    }
};

}  // namespace

Throughput RawConsume(const RawConsumerOptions& options) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", options.brokers);
    Set(conf, "group.id", options.group);
    Set(conf, "auto.offset.reset", "earliest");
    Set(conf, "enable.auto.offset.store", "false");
    for (const auto& [name, value] : options.properties) Set(conf, name, value);
    char error[256];
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (handle == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("raw consumer: ") + error);
    }
    std::unique_ptr<rd_kafka_t, ConsumerDeleter> consumer(handle);
    rd_kafka_poll_set_consumer(handle);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
    const rd_kafka_resp_err_t err = rd_kafka_subscribe(handle, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error(rd_kafka_err2str(err));

    Throughput result;
    const auto subscribed = Clock::now();
    const auto give_up = subscribed + options.timeout;
    Clock::time_point first;
    double cpu_first = 0;
    volatile unsigned char sink = 0;  // every payload byte is read, as a consumer that looks at it would
    rd_kafka_queue_t* queue = options.batch > 0 ? rd_kafka_queue_get_consumer(handle) : nullptr;
    std::vector<rd_kafka_message_t*> batch(static_cast<std::size_t>(std::max(options.batch, 1)));
    while (result.events < options.count) {
        if (Clock::now() > give_up) {
            throw std::runtime_error("raw consumer: " + std::to_string(result.events) + " of " +
                                     std::to_string(options.count) + " records before the timeout");
        }
        std::size_t got = 0;
        if (queue != nullptr) {
            const ssize_t n = rd_kafka_consume_batch_queue(queue, 100, batch.data(), batch.size());
            got = n > 0 ? static_cast<std::size_t>(n) : 0;
        } else if (rd_kafka_message_t* one = rd_kafka_consumer_poll(handle, 100)) {
            batch[0] = one;
            got = 1;
        }
        for (std::size_t b = 0; b < got; ++b) {
            rd_kafka_message_t* message = batch[b];
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
                if (result.events == 0) {
                    first = Clock::now();
                    cpu_first = ProcessCpuSeconds();
                    result.group_join_ms = std::chrono::duration<double, std::milli>(first - subscribed).count();
                }
                unsigned char acc = 0;
                const auto* bytes = static_cast<const unsigned char*>(message->payload);
                for (std::size_t i = 0; i < message->len; ++i) acc ^= bytes[i];
                sink = sink ^ acc;
                rd_kafka_offset_store(message->rkt, message->partition, message->offset);
                ++result.events;
            }
            rd_kafka_message_destroy(message);
        }
    }
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    result.seconds = std::chrono::duration<double>(Clock::now() - first).count();
    result.cpu_seconds = ProcessCpuSeconds() - cpu_first;
    return result;
}

}  // namespace cosmic::bench
