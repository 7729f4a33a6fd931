// producer_bench: events/s of Producer::Publish (serialize + standard headers + idempotent
// produce + delivery reports) beside a raw rd_kafka_producev loop with the same client settings,
// both to the same mock cluster in the same run.
//
//   producer_bench [records=300000] [rounds=2] [partitions=20]

#include <librdkafka/rdkafka.h>
#include <prometheus/registry.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using cosmic::bench::CpuSeconds;
using cosmic::bench::MaxRssMb;
using cosmic::bench::MetricsEvent;
using cosmic::kafka::ClientConfig;
using cosmic::kafka::MockCluster;
using cosmic::kafka::Producer;

constexpr const char* kTopic = "job-metrics";
constexpr int kDefaultPartitions = 20;  // job-metrics in the topic table

struct Result {
    double events_per_second = 0;
    double cpu_us_per_event = 0;
};

ClientConfig Config(const MockCluster& cluster) {
    ClientConfig config;
    config.properties = {{"bootstrap.servers", cluster.Bootstraps()}};
    return config;
}

void Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
    char error[256];
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        std::fprintf(stderr, "%s: %s\n", name, error);
        std::exit(2);
    }
}

std::atomic<long> g_raw_failed{0};

void RawDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
    if (message->err) ++g_raw_failed;
}

/// The baseline: the settings Producer uses (idempotent, acks=all, linger 5 ms, lz4 on the
/// topic, same queue bounds), pre-serialized values, the same five headers, a poll thread.
Result RunRaw(const MockCluster& cluster, const std::vector<std::string>& values,
              const std::vector<std::string>& keys) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", cluster.Bootstraps());
    Set(conf, "enable.idempotence", "true");
    Set(conf, "acks", "all");
    Set(conf, "linger.ms", "5");
    Set(conf, "batch.num.messages", "10000");
    Set(conf, "batch.size", "1000000");
    Set(conf, "queue.buffering.max.messages", "100000");
    Set(conf, "queue.buffering.max.kbytes", "65536");
    Set(conf, "partitioner", "murmur2_random");
    Set(conf, "compression.type", "lz4");
    rd_kafka_conf_set_dr_msg_cb(conf, &RawDelivery);
    char error[256];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    rd_kafka_topic_t* topic = rd_kafka_topic_new(rk, kTopic, nullptr);
    // Connect and get the producer id before timing.
    rd_kafka_producev(rk, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_VALUE(const_cast<char*>("warm"), 4), RD_KAFKA_V_END);
    rd_kafka_flush(rk, 10000);

    std::atomic<bool> stop{false};
    std::thread poller([&] {
        while (!stop) rd_kafka_poll(rk, 100);
    });
    const auto start = Clock::now();
    const double start_cpu = CpuSeconds();
    for (std::size_t i = 0; i < values.size(); ++i) {
        rd_kafka_headers_t* headers = rd_kafka_headers_new(5);
        rd_kafka_header_add(headers, "event_type", -1, "job.metrics", -1);
        rd_kafka_header_add(headers, "schema_version", -1, "1", -1);
        rd_kafka_header_add(headers, "correlation_id", -1, keys[i].data(), static_cast<ssize_t>(keys[i].size()));
        rd_kafka_header_add(headers, "content-type", -1, "application/json", -1);
        rd_kafka_header_add(headers, "traceparent", -1, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", -1);
        for (;;) {
            const auto err = rd_kafka_producev(rk, RD_KAFKA_V_RKT(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                               RD_KAFKA_V_VALUE(const_cast<char*>(values[i].data()), values[i].size()),
                                               RD_KAFKA_V_KEY(keys[i].data(), keys[i].size()),
                                               RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                std::fprintf(stderr, "raw produce: %s\n", rd_kafka_err2str(err));
                std::exit(1);
            }
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
    }
    while (rd_kafka_outq_len(rk) > 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = CpuSeconds() - start_cpu;
    stop = true;
    poller.join();
    rd_kafka_topic_destroy(topic);
    rd_kafka_destroy(rk);
    return {static_cast<double>(values.size()) / seconds, cpu * 1e6 / static_cast<double>(values.size())};
}

Result RunPublish(const MockCluster& cluster, const std::vector<cosmic::schema::Event>& events) {
    auto registry = std::make_shared<prometheus::Registry>();
    Producer producer(Config(cluster), {}, registry);
    if (producer.Publish(events.front())) std::exit(1);  // warm up: connection + producer id
    producer.Flush(std::chrono::seconds(10));
    const auto start = Clock::now();
    const double start_cpu = CpuSeconds();
    for (const auto& event : events) {
        if (auto error = producer.Publish(event)) {
            std::fprintf(stderr, "publish: %s\n", error.ToString().c_str());
            std::exit(1);
        }
    }
    if (producer.Flush(std::chrono::seconds(120)) != 0) {
        std::fprintf(stderr, "publish: not everything delivered\n");
        std::exit(1);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double cpu = CpuSeconds() - start_cpu;
    return {static_cast<double>(events.size()) / seconds, cpu * 1e6 / static_cast<double>(events.size())};
}

}  // namespace

int main(int argc, char** argv) {
    const int records = argc > 1 ? std::atoi(argv[1]) : 300000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 2;
    const int partitions = argc > 3 ? std::atoi(argv[3]) : kDefaultPartitions;
    MockCluster cluster(3);
    cluster.CreateTopic(kTopic, partitions, 1);

    std::vector<cosmic::schema::Event> events;
    std::vector<std::string> values;
    std::vector<std::string> keys;
    events.reserve(static_cast<std::size_t>(records));
    std::size_t bytes = 0;
    for (int i = 0; i < records; ++i) {
        events.push_back(MetricsEvent(i));
        values.push_back(cosmic::schema::Serialize(events.back()));
        keys.push_back(events.back().job_id);
        bytes += values.back().size();
    }
    std::printf("producer_bench: %d records of %.0f bytes (avg) to a %d-partition mock topic, %d round(s)\n", records,
                static_cast<double>(bytes) / records, partitions, rounds);
    std::printf("%-28s %14s %16s\n", "path", "events/s", "CPU us/event");
    std::vector<double> raw;
    std::vector<double> publish;
    for (int round = 0; round < rounds; ++round) {
        const Result r = RunRaw(cluster, values, keys);
        raw.push_back(r.events_per_second);
        std::printf("%-28s %14.0f %16.2f\n", "raw rd_kafka_producev", r.events_per_second, r.cpu_us_per_event);
        const Result p = RunPublish(cluster, events);
        publish.push_back(p.events_per_second);
        std::printf("%-28s %14.0f %16.2f\n", "Producer::Publish", p.events_per_second, p.cpu_us_per_event);
    }
    const double best_raw = *std::max_element(raw.begin(), raw.end());
    const double best_publish = *std::max_element(publish.begin(), publish.end());
    std::printf(
        "best: raw %.0f/s, Publish %.0f/s, ratio %.1f%% (goal: Publish >= 300000/s); failed raw deliveries %ld; max "
        "RSS %ld MiB\n",
        best_raw, best_publish, 100.0 * best_publish / best_raw, g_raw_failed.load(), MaxRssMb());
    return 0;
}
