#include "latency.hpp"

#include <librdkafka/rdkafka.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace cosmic::bench {

double NowUnixMs() {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<double>(now.tv_sec) * 1000.0 + static_cast<double>(now.tv_nsec) / 1e6;
}

Percentiles Exact(std::vector<double> values) {
    Percentiles result;
    result.count = static_cast<long>(values.size());
    if (values.empty()) return result;
    std::sort(values.begin(), values.end());
    const auto rank = [&](double q) {
        const auto index = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size()))) - 1;
        return values[std::min(index, values.size() - 1)];
    };
    result.p50 = rank(0.50);
    result.p95 = rank(0.95);
    result.p99 = rank(0.99);
    result.max = values.back();
    return result;
}

std::map<double, double> Bucketize(const std::vector<double>& values, const std::vector<double>& bounds) {
    std::map<double, double> buckets;
    for (const double bound : bounds) buckets[bound] = 0;
    buckets[std::numeric_limits<double>::infinity()] = 0;
    for (const double value : values) {
        for (auto& [bound, count] : buckets) {
            if (value <= bound) count += 1;  // cumulative
        }
    }
    return buckets;
}

std::map<double, double> Delta(const std::map<double, double>& after, const std::map<double, double>& before) {
    std::map<double, double> delta;
    for (const auto& [bound, count] : after) {
        const auto found = before.find(bound);
        delta[bound] = count - (found == before.end() ? 0 : found->second);
    }
    return delta;
}

Percentiles FromBuckets(const std::map<double, double>& buckets) {
    Percentiles result;
    if (buckets.empty()) return result;
    const double total = buckets.rbegin()->second;
    result.count = static_cast<long>(total);
    if (total <= 0) return result;
    const auto quantile = [&](double q) {
        const double rank = q * total;
        double lower = 0;
        double below = 0;
        for (const auto& [bound, count] : buckets) {
            if (count >= rank) {
                if (std::isinf(bound)) return lower;  // as histogram_quantile: the largest finite bound
                return lower + (bound - lower) * (rank - below) / std::max(count - below, 1e-9);
            }
            lower = bound;
            below = count;
        }
        return lower;
    };
    result.p50 = quantile(0.50);
    result.p95 = quantile(0.95);
    result.p99 = quantile(0.99);
    double previous = 0;
    double lower = 0;
    for (const auto& [bound, count] : buckets) {
        if (count > previous) result.max = std::isinf(bound) ? lower : bound;
        previous = count;
        lower = bound;
    }
    return result;
}

AgeRecorder::AgeRecorder(const std::string& brokers, const std::string& topic, const std::string& group,
                         const std::map<std::string, std::string>& properties)
    : brokers_(brokers), topic_(topic), group_(group), properties_(properties), thread_([this] { Run(); }) {}

AgeRecorder::~AgeRecorder() {
    stop_ = true;
    thread_.join();
}

void AgeRecorder::WaitAssigned() {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (!assigned_.load()) {
        if (stop_.load()) throw std::runtime_error("bare consumer: " + error_);
        if (std::chrono::steady_clock::now() > give_up)
            throw std::runtime_error("bare consumer: no assignment in 60 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the consumer thread sets the flag
    }
}

void AgeRecorder::Record(bool on) { recording_ = on; }

std::vector<double> AgeRecorder::Take() {
    std::lock_guard lock(mutex_);
    return std::exchange(ages_, {});
}

void AgeRecorder::Run() {
    char error[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    std::map<std::string, std::string> settings = {{"bootstrap.servers", brokers_},
                                                   {"group.id", group_},
                                                   {"auto.offset.reset", "earliest"},
                                                   {"enable.auto.offset.store", "false"}};
    for (const auto& [name, value] : properties_) settings[name] = value;
    for (const auto& [name, value] : settings) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            error_ = name + ": " + error;
            rd_kafka_conf_destroy(conf);
            stop_ = true;
            return;
        }
    }
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
    if (consumer == nullptr) {
        error_ = error;
        stop_ = true;
        return;
    }
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic_.c_str(), RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    std::vector<double> local;
    while (!stop_.load()) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 50);
        if (!assigned_.load()) {
            // The topic is empty when the recorder starts and it reads from the earliest offset,
            // so once partitions are assigned every record produced later is seen.
            rd_kafka_topic_partition_list_t* assignment = nullptr;
            if (rd_kafka_assignment(consumer, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR && assignment != nullptr) {
                if (assignment->cnt > 0) assigned_ = true;
                rd_kafka_topic_partition_list_destroy(assignment);
            }
        }
        if (message == nullptr) continue;
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            const double now = NowUnixMs();
            rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
            const std::int64_t timestamp = rd_kafka_message_timestamp(message, &type);
            ++seen_;
            if (recording_.load(std::memory_order_relaxed) && timestamp > 0) {
                std::lock_guard lock(mutex_);
                ages_.push_back(std::max(0.0, now - static_cast<double>(timestamp)));
            }
            rd_kafka_offset_store(message->rkt, message->partition, message->offset);
        }
        rd_kafka_message_destroy(message);
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
}

}  // namespace cosmic::bench
