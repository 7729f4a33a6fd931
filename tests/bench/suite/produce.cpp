#include "produce.hpp"

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>

#include "src/event_load.hpp"

namespace cosmic::bench {
namespace {

struct Tally {
    std::atomic<long> failed{0};
    std::string first_error;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        auto* tally = static_cast<Tally*>(opaque);
        if (tally->failed.fetch_add(1) == 0) tally->first_error = rd_kafka_err2str(message->err);
    }
}

}  // namespace

bool IsTerminal(std::string_view value) {
    return value.find("\"event_type\":\"job.completed\"") != std::string_view::npos ||
           value.find("\"event_type\":\"job.failed\"") != std::string_view::npos;
}

Produced Produce(const ProduceSpec& spec) {
    loadgen::EventLoadOptions options;
    options.topic = std::string(schema::Spec(spec.topic).name);
    options.jobs = static_cast<std::uint64_t>(spec.jobs);
    options.user_id = spec.user_id;
    options.job_prefix = "bench";
    options.failure_percent = 10;

    std::map<std::string, std::string> properties = {
        {"bootstrap.servers", spec.brokers},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", "20"},
        {"batch.num.messages", "10000"},
        {"queue.buffering.max.messages", "1000000"},
        {"client.id", "bench-producer"},
        // The topic's own compression, as the suite's publishers use it.
        {"compression.type", std::string(schema::Spec(spec.topic).compression)}};
    for (const auto& [name, value] : spec.properties) properties[name] = value;
    char error[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof error) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error("producer property " + name + ": " + error);
        }
    }
    Tally tally;
    rd_kafka_conf_set_opaque(conf, &tally);
    rd_kafka_conf_set_dr_msg_cb(conf, OnDelivery);
    std::unique_ptr<rd_kafka_t, decltype(&rd_kafka_destroy)> producer(
        rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof error), &rd_kafka_destroy);
    if (!producer) throw std::runtime_error(std::string("cannot create the producer: ") + error);

    Produced produced;
    double bytes = 0;
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; produced.events < spec.count; ++i) {
        loadgen::GeneratedEvent event = loadgen::MakeEvent(options, spec.topic, i);
        if (spec.keep && !spec.keep(event.value)) continue;
        for (;;) {
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                producer.get(), RD_KAFKA_V_TOPIC(options.topic.c_str()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                RD_KAFKA_V_KEY(event.key.data(), event.key.size()),
                RD_KAFKA_V_VALUE(event.value.data(), event.value.size()), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(rd_kafka_err2str(err));
            rd_kafka_poll(producer.get(), 10);  // room appears as acknowledgements arrive
        }
        bytes += static_cast<double>(event.value.size());
        ++produced.events;
        rd_kafka_poll(producer.get(), 0);
    }
    if (rd_kafka_flush(producer.get(), 300'000) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("produce: not every record was acknowledged within 300 s");
    }
    if (tally.failed.load() > 0) {
        throw std::runtime_error("produce: " + std::to_string(tally.failed.load()) +
                                 " records failed: " + tally.first_error);
    }
    produced.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // The dev-broker keeps about 5 MiB per partition and silently drops the oldest beyond that: a
    // consumer would then wait for records that are gone.
    long stored = 0;
    const int partitions = schema::Spec(spec.topic).partitions;
    for (int partition = 0; partition < partitions; ++partition) {
        std::int64_t low = 0;
        std::int64_t high = 0;
        if (rd_kafka_query_watermark_offsets(producer.get(), options.topic.c_str(), partition, &low, &high, 10'000) ==
            RD_KAFKA_RESP_ERR_NO_ERROR) {
            stored += static_cast<long>(high - low);
        }
    }
    if (stored < produced.events) {
        throw std::runtime_error("the cluster holds " + std::to_string(stored) + " of the " +
                                 std::to_string(produced.events) + " records produced to " + options.topic +
                                 " (the dev-broker keeps about 5 MiB per partition): fewer events or compression");
    }
    produced.average_bytes = produced.events > 0 ? bytes / static_cast<double>(produced.events) : 0;
    return produced;
}

}  // namespace cosmic::bench
