#pragma once
// Helpers the benchmarks share: process CPU time, peak RSS, a representative job.metrics event and
// the raw librdkafka consumer loop that is every consumer benchmark's baseline.

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>

#include <chrono>
#include <functional>
#include <stdexcept>
#include <string>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/uuid.hpp"

namespace cosmic::bench {

/// Process CPU time (all threads: ours, librdkafka's and the mock brokers').
inline double CpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// Peak resident set size of the process so far, in MiB.
inline long MaxRssMb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

/// A ~400-byte job.metrics event of a fresh job; `i` varies the user and the sample.
inline schema::Event MetricsEvent(int i) {
    auto event = schema::NewEvent(schema::TopicId::kJobMetrics, "job.metrics", "bench-executor");
    event.job_id = "job-" + schema::NewUuid();
    event.correlation_id = schema::NewUuid();
    event.user_id = "user-" + std::to_string(i % 1000);
    event.sample = schema::MetricsSample{12.5 + i % 80, 2048.25, 10.5, 3.25, 1000 + i, event.occurred_at};
    event.payload = schema::MetricsPayload(event.sample);
    return event;
}

/// Sets a librdkafka property; throws naming it when librdkafka rejects the value.
inline void Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
    char error[256];
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        throw std::runtime_error(std::string(name) + ": " + error);
    }
}

/// Events over wall and CPU seconds of one measured run.
struct Phase {
    double wall_s = 0;
    double cpu_s = 0;
    long events = 0;
    double PerSecond() const { return wall_s > 0 ? static_cast<double>(events) / wall_s : 0; }
    double PerCpuSecond() const { return cpu_s > 0 ? static_cast<double>(events) / cpu_s : 0; }
};

/// The baseline every consumer benchmark measures against: a plain librdkafka consumer in a
/// fresh group on `topic`; `each` sees every record. Times from the first record to the last.
inline Phase RawLoop(const std::string& bootstrap, const std::string& group, const char* topic, long events,
                     const std::function<void(const rd_kafka_message_t*)>& each) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", bootstrap);
    Set(conf, "group.id", group);
    Set(conf, "auto.offset.reset", "earliest");
    Set(conf, "fetch.wait.max.ms", "100");
    Set(conf, "queued.max.messages.kbytes", "32768");
    char error[256];
    rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (consumer == nullptr) throw std::runtime_error(error);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer, topics);
    rd_kafka_topic_partition_list_destroy(topics);

    Phase phase;
    std::chrono::steady_clock::time_point start;
    double cpu_start = 0;
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (phase.events < events && std::chrono::steady_clock::now() < give_up) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100);
        if (message == nullptr) continue;
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (phase.events == 0) {
                start = std::chrono::steady_clock::now();
                cpu_start = CpuSeconds();
            }
            each(message);
            ++phase.events;
        }
        rd_kafka_message_destroy(message);
    }
    phase.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    phase.cpu_s = CpuSeconds() - cpu_start;
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return phase;
}

}  // namespace cosmic::bench
