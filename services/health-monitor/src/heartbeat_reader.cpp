#include "cosmic/health_monitor/heartbeat_reader.hpp"

#include <librdkafka/rdkafka.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/topics.hpp"
#include "cosmic/telemetry/logging.hpp"
#include "rd_client.hpp"

namespace cosmic::health {
namespace {

const std::string& Topic() {
    static const std::string topic(schema::Spec(schema::TopicId::kSystemHealth).name);
    return topic;
}

/// Offsets of every partition at `which` (RD_KAFKA_OFFSET_BEGINNING or _END), one ListOffsets per
/// leader, bounded by `timeout` (rd_kafka_query_watermark_offsets in librdkafka 2.0.2 is not: it
/// waits for a dead broker's socket timeout). nullopt, with `error`, when any partition fails.
std::optional<std::vector<std::int64_t>> Offsets(rd_kafka_t* rk, int partitions, std::int64_t which,
                                                 std::chrono::milliseconds timeout, std::string& error) {
    detail::PartitionList list(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p)
        rd_kafka_topic_partition_list_add(list.get(), Topic().c_str(), p)->offset = which;
    if (auto err = rd_kafka_offsets_for_times(rk, list.get(), static_cast<int>(timeout.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error = rd_kafka_err2str(err);
        return std::nullopt;
    }
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(partitions), -1);
    for (int i = 0; i < list->cnt; ++i) {
        const auto& entry = list->elems[i];
        if (entry.err != RD_KAFKA_RESP_ERR_NO_ERROR || entry.offset < 0) {
            error = std::string("partition ") + std::to_string(entry.partition) + ": " + rd_kafka_err2str(entry.err);
            return std::nullopt;
        }
        offsets[static_cast<std::size_t>(entry.partition)] = entry.offset;
    }
    return offsets;
}

}  // namespace

struct HeartbeatReader::Handle {
    detail::Handle rk;
};

HeartbeatReader::HeartbeatReader(kafka::ClientConfig client, std::string client_id, std::int64_t replay_records,
                                 Sink sink, prometheus::Registry& registry)
    : client_(std::move(client)),
      client_id_(std::move(client_id)),
      replay_records_(replay_records),
      sink_(std::move(sink)) {
    auto& family = prometheus::BuildCounter()
                       .Name("cosmic_health_heartbeat_records_total")
                       .Help("system-health records read by this replica's broadcast reader that could not be used.")
                       .Register(registry);
    invalid_ = &family.Add({{"result", "invalid"}});
    errors_ = &family.Add({{"result", "consume_error"}});
}

HeartbeatReader::~HeartbeatReader() { Stop(std::chrono::steady_clock::now()); }

void HeartbeatReader::Start() {
    if (!client_.enabled) {
        std::lock_guard lock(status_mutex_);
        status_ = "kafka disabled";
        return;
    }
    // A group id is needed for assign(); this one never joins (no subscribe) and never commits.
    handle_ = std::make_unique<Handle>(Handle{detail::NewClient(RD_KAFKA_CONSUMER, client_,
                                                                {{"group.id", client_id_ + "-broadcast"},
                                                                 {"client.id", client_id_ + "-heartbeats"},
                                                                 {"enable.auto.commit", "false"},
                                                                 {"enable.auto.offset.store", "false"},
                                                                 {"enable.partition.eof", "false"},
                                                                 {"auto.offset.reset", "earliest"},
                                                                 {"fetch.wait.max.ms", "100"}})});
    rd_kafka_poll_set_consumer(handle_->rk.get());
    stopping_ = false;
    thread_ = std::thread([this] { Run(); });
}

void HeartbeatReader::Stop(std::chrono::steady_clock::time_point) {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (handle_) {
        rd_kafka_consumer_close(handle_->rk.get());
        handle_.reset();
    }
}

bool HeartbeatReader::Ready(std::string& detail) const {
    std::lock_guard lock(status_mutex_);
    detail = status_;
    return assigned_.load(std::memory_order_acquire) || !client_.enabled;
}

bool HeartbeatReader::Assign() {
    rd_kafka_t* rk = handle_->rk.get();
    const rd_kafka_metadata_t* raw = nullptr;
    // All topics: naming one would make the mock cluster (and old brokers) auto-create it.
    if (auto err = rd_kafka_metadata(rk, 1, nullptr, &raw, 5000); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::lock_guard lock(status_mutex_);
        status_ = std::string("waiting for cluster metadata: ") + rd_kafka_err2str(err);
        return false;
    }
    detail::Metadata metadata(raw);
    int count = 0;
    for (int i = 0; i < metadata->topic_cnt; ++i) {
        if (Topic() == metadata->topics[i].topic && metadata->topics[i].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            count = metadata->topics[i].partition_cnt;
        }
    }
    if (count == 0) {
        std::lock_guard lock(status_mutex_);
        status_ = "waiting for topic " + Topic();
        return false;
    }
    std::string error;
    const auto lows = Offsets(rk, count, RD_KAFKA_OFFSET_BEGINNING, std::chrono::seconds(5), error);
    const auto highs = lows ? Offsets(rk, count, RD_KAFKA_OFFSET_END, std::chrono::seconds(5), error) : std::nullopt;
    if (!highs) {
        std::lock_guard lock(status_mutex_);
        status_ = "waiting for the offsets of " + Topic() + ": " + error;
        return false;
    }
    detail::PartitionList list(rd_kafka_topic_partition_list_new(count));
    auto positions = std::make_unique<std::atomic<std::int64_t>[]>(static_cast<std::size_t>(count));
    for (int p = 0; p < count; ++p) {
        const auto i = static_cast<std::size_t>(p);
        const std::int64_t start = std::max((*lows)[i], (*highs)[i] - replay_records_);
        rd_kafka_topic_partition_list_add(list.get(), Topic().c_str(), p)->offset = start;
        positions[i].store(start, std::memory_order_relaxed);
    }
    if (auto err = rd_kafka_assign(rk, list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::lock_guard lock(status_mutex_);
        status_ = std::string("assign failed: ") + rd_kafka_err2str(err);
        return false;
    }
    partitions_ = count;
    positions_ = std::move(positions);
    assigned_.store(true, std::memory_order_release);
    std::lock_guard lock(status_mutex_);
    status_ = "reading all " + std::to_string(count) + " partitions of " + Topic();
    return true;
}

void HeartbeatReader::Run() {
    schema::Parser parser;
    schema::Event event;
    telemetry::RateLimiter limiter;
    while (!stopping_.load()) {
        if (!assigned_.load(std::memory_order_acquire)) {
            if (!Assign()) {
                for (int i = 0; i < 10 && !stopping_.load(); ++i)
                    std::this_thread::sleep_for(std::chrono::milliseconds(100));
            }
            continue;
        }
        rd_kafka_message_t* message = rd_kafka_consumer_poll(handle_->rk.get(), 100);
        if (message == nullptr) continue;
        if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            errors_->Increment();
            std::uint64_t suppressed = 0;
            if (limiter.Allow(suppressed)) {
                spdlog::warn("heartbeat reader: {} ({} similar suppressed)", rd_kafka_message_errstr(message),
                             suppressed);
            }
            rd_kafka_message_destroy(message);
            continue;
        }
        const std::string_view bytes(static_cast<const char*>(message->payload), message->len);
        if (auto violation = parser.Parse(schema::TopicId::kSystemHealth, bytes, event)) {
            invalid_->Increment();
        } else {
            sink_(event);
        }
        if (message->partition >= 0 && message->partition < partitions_) {
            positions_[static_cast<std::size_t>(message->partition)].store(message->offset + 1,
                                                                           std::memory_order_release);
        }
        rd_kafka_message_destroy(message);
    }
}

std::optional<std::vector<std::int64_t>> HeartbeatReader::HighWatermarks(std::chrono::milliseconds timeout) const {
    if (!assigned_.load(std::memory_order_acquire)) return std::nullopt;
    std::string error;
    return Offsets(handle_->rk.get(), partitions_, RD_KAFKA_OFFSET_END, timeout, error);
}

bool HeartbeatReader::Reached(const std::vector<std::int64_t>& targets) const {
    if (!assigned_.load(std::memory_order_acquire) || static_cast<int>(targets.size()) != partitions_) return false;
    for (int p = 0; p < partitions_; ++p) {
        if (positions_[static_cast<std::size_t>(p)].load(std::memory_order_acquire) <
            targets[static_cast<std::size_t>(p)]) {
            return false;
        }
    }
    return true;
}

}  // namespace cosmic::health
