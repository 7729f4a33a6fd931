#include "cosmic/kafka/testing/embedded_cluster.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/schema/topics.hpp"
#include "external_admin.hpp"

namespace cosmic::kafka::testing {
namespace {

using Clock = std::chrono::steady_clock;

struct HandleDeleter {
    void operator()(rd_kafka_t* rk) const {
        // A consumer leaves cleanly; a read-only consumer that never subscribed has nothing to commit.
        if (rd_kafka_type(rk) == RD_KAFKA_CONSUMER) {
            rd_kafka_consumer_close(rk);
        }
        rd_kafka_destroy(rk);
    }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

int RemainingMs(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<long long>(left, 0, 60'000));
}

void Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
    char error[512];
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::invalid_argument("embedded cluster: " + name + ": " + error);
    }
}

Handle NewHandle(rd_kafka_type_t type, const kafka::ClientConfig& config,
                 const std::map<std::string, std::string>& extra) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    for (const auto& [name, value] : config.properties) {
        Set(conf, name, value);
    }
    for (const auto& [name, value] : extra) {
        Set(conf, name, value);
    }
    char error[512];
    rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof(error));
    if (rk == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("embedded cluster: cannot create client: ") + error);
    }
    return Handle(rk);
}

/// The properties of ClientConfig() that apply to either client type; consumer-only ones would
/// make a producer log configuration warnings.
kafka::ClientConfig CommonConfig(const std::string& bootstraps) {
    kafka::ClientConfig config;
    config.properties = {
        {"bootstrap.servers", bootstraps}, {"topic.metadata.refresh.interval.ms", "500"},
        {"reconnect.backoff.ms", "10"},    {"reconnect.backoff.max.ms", "200"},
        {"log.connection.close", "false"},
    };
    return config;
}

int PartitionCountOn(rd_kafka_t* rk, std::string_view topic, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
    do {
        // All-topics metadata: naming the topic would make the mock cluster auto-create it.
        const rd_kafka_metadata_t* metadata = nullptr;
        last = rd_kafka_metadata(rk, 1, nullptr, &metadata, std::max(RemainingMs(deadline), 1));
        if (last == RD_KAFKA_RESP_ERR_NO_ERROR) {
            int count = 0;
            last = RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
            for (int i = 0; i < metadata->topic_cnt; ++i) {
                if (topic == metadata->topics[i].topic) {
                    last = metadata->topics[i].err;
                    count = metadata->topics[i].partition_cnt;
                }
            }
            rd_kafka_metadata_destroy(metadata);
            if (last == RD_KAFKA_RESP_ERR_NO_ERROR && count > 0) {
                return count;
            }
        }
        // A just-created topic can be briefly unknown to the broker answering; ask again.
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    } while (Clock::now() < deadline);
    throw std::runtime_error("embedded cluster: no metadata for topic " + std::string(topic) + ": " +
                             rd_kafka_err2str(last));
}

/// Loads the topic's partition leaders into the client before an assign: assigning a partition
/// whose leader is not yet known makes librdkafka wait for its offset-query retry timer (500 ms).
/// Only called for topics known to exist, so naming it cannot auto-create it.
void LearnLeaders(rd_kafka_t* rk, std::string_view topic, Clock::time_point deadline) {
    const std::string name(topic);
    std::unique_ptr<rd_kafka_topic_t, decltype(&rd_kafka_topic_destroy)> handle(
        rd_kafka_topic_new(rk, name.c_str(), nullptr), &rd_kafka_topic_destroy);
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(rk, 0, handle.get(), &metadata, std::max(RemainingMs(deadline), 1)) ==
        RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_metadata_destroy(metadata);
    }
    // On failure the assign below still works, only slower.
}

void AppendHeaders(const rd_kafka_message_t* message, Headers& out) {
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return;
    }
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
        out.emplace_back(name, value == nullptr ? std::string() : std::string(static_cast<const char*>(value), size));
    }
}

ConsumedRecord ToRecord(const rd_kafka_message_t* message) {
    ConsumedRecord record;
    record.topic = rd_kafka_topic_name(message->rkt);
    record.partition = message->partition;
    record.offset = message->offset;
    if (message->key != nullptr) {
        record.key.emplace(static_cast<const char*>(message->key), message->key_len);
    }
    if (message->payload != nullptr) {
        record.value.assign(static_cast<const char*>(message->payload), message->len);
    }
    AppendHeaders(message, record.headers);
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    record.timestamp_ms = rd_kafka_message_timestamp(message, &type);
    return record;
}

std::string UniqueSuffix() {
    static std::atomic<unsigned> counter{0};
    // The start time keeps names unique on a real cluster that outlives this process (a pid
    // can come again in a later run).
    static const auto started =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count() %
        100'000'000;
    return std::to_string(started) + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
}

}  // namespace

std::optional<std::string> ConsumedRecord::Header(std::string_view name) const {
    for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
        if (it->first == name) {
            return it->second;
        }
    }
    return std::nullopt;
}

/// One producer per cluster, reused by every Produce() call; calls are serialised because the
/// delivery report is collected by polling on the calling thread.
struct EmbeddedCluster::Producer {
    struct Report {
        bool done = false;
        rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
        Delivered where;
    };

    static void OnDelivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message, void* /*opaque*/) {
        // The report outlives an abandoned wait: the callback owns the last reference.
        std::unique_ptr<std::shared_ptr<Report>> holder(static_cast<std::shared_ptr<Report>*>(message->_private));
        Report& report = **holder;
        report.done = true;
        report.error = message->err;
        report.where = {message->partition, message->offset};
    }

    explicit Producer(const std::string& bootstraps) {
        rd_kafka_conf_t* conf = rd_kafka_conf_new();
        for (const auto& [name, value] : CommonConfig(bootstraps).properties) {
            Set(conf, name, value);
        }
        Set(conf, "linger.ms", "0");
        // Tests create their topics; a typo must fail instead of auto-creating a topic.
        Set(conf, "allow.auto.create.topics", "false");
        Set(conf, "message.timeout.ms", "60000");
        rd_kafka_conf_set_dr_msg_cb(conf, &OnDelivery);
        char error[512];
        rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
        if (rk == nullptr) {
            rd_kafka_conf_destroy(conf);
            throw std::runtime_error(std::string("embedded cluster: cannot create producer: ") + error);
        }
        handle.reset(rk);
    }

    ~Producer() {
        // Fail whatever is still queued so every delivery callback runs and frees its report.
        rd_kafka_purge(handle.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(handle.get(), 5000);
    }

    std::mutex mutex;
    Handle handle;
};

EmbeddedCluster::EmbeddedCluster() : EmbeddedCluster(EmbeddedClusterOptions{}) {}

EmbeddedCluster::EmbeddedCluster(EmbeddedClusterOptions options) {
    const char* external = options.allow_external ? std::getenv("COSMIC_TEST_BOOTSTRAP") : nullptr;
    if (external != nullptr && *external != '\0') {
        bootstraps_ = external;
    } else {
        mock_ = std::make_unique<MockCluster>(options.brokers);
        bootstraps_ = mock_->Bootstraps();
    }
    producer_ = std::make_unique<Producer>(bootstraps_);
    if (!mock_) {
        external_brokers_ = detail::BrokerCount(producer_->handle.get(), kDefaultTimeout);
    }
    if (options.create_table_topics) {
        if (mock_) {
            mock_->CreateTableTopics();
        } else {
            // A shared real cluster already has the table (cosmicctl topics apply); create what
            // is missing, then empty it so this test reads only its own records, as on a fresh mock.
            std::vector<std::string> names;
            for (const auto& spec : schema::AllTopics()) {
                names.emplace_back(spec.name);
                names.push_back(schema::DlqTopicName(spec.name));
            }
            for (const auto& name : names) {
                const std::string_view source = schema::DlqSourceTopic(name);
                CreateTopic(name, schema::FindTopic(source)->partitions, ExternalReplication());
            }
            detail::DeleteAllRecords(producer_->handle.get(), names, kDefaultTimeout);
        }
    }
}

int EmbeddedCluster::ExternalReplication() const noexcept {
    return std::min(schema::kProductionReplicationFactor, std::max(external_brokers_, 1));
}

EmbeddedCluster::~EmbeddedCluster() = default;

kafka::ClientConfig EmbeddedCluster::ClientConfig() const {
    kafka::ClientConfig config = CommonConfig(bootstraps_);
    config.properties["fetch.wait.max.ms"] = "10";
    config.properties["fetch.error.backoff.ms"] = "20";
    return config;
}

MockCluster& EmbeddedCluster::Mock() {
    if (!mock_) {
        throw std::logic_error(
            "embedded cluster: fault injection needs the mock cluster (COSMIC_TEST_BOOTSTRAP is set)");
    }
    return *mock_;
}

void EmbeddedCluster::CreateTopic(std::string_view name, int partitions, int replication) {
    if (mock_) {
        mock_->CreateTopic(name, partitions, replication);
        return;
    }
    detail::CreateTopicWithAdmin(producer_->handle.get(), std::string(name), partitions, replication, kDefaultTimeout);
}

std::string EmbeddedCluster::CreateUniqueTopic(std::string_view prefix, int partitions) {
    std::string name = std::string(prefix) + "-" + UniqueSuffix();
    // A real cluster's brokers default to min.insync.replicas=2: one replica would refuse acks=all.
    CreateTopic(name, partitions, mock_ ? 1 : ExternalReplication());
    return name;
}

rd_kafka_t* EmbeddedCluster::NewConsumer(std::string_view group) const {
    kafka::ClientConfig config = ClientConfig();
    const std::map<std::string, std::string> extra{
        {"group.id", std::string(group)},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", "earliest"},
    };
    Handle handle = NewHandle(RD_KAFKA_CONSUMER, config, extra);
    rd_kafka_poll_set_consumer(handle.get());
    return handle.release();
}

int EmbeddedCluster::PartitionCount(std::string_view topic, std::chrono::milliseconds timeout) {
    return PartitionCountOn(producer_->handle.get(), topic, timeout);
}

Delivered EmbeddedCluster::Produce(const ProduceRecord& record, std::chrono::milliseconds timeout) {
    std::lock_guard lock(producer_->mutex);
    rd_kafka_t* rk = producer_->handle.get();
    rd_kafka_headers_t* headers = rd_kafka_headers_new(record.headers.size());
    for (const auto& [name, value] : record.headers) {
        rd_kafka_header_add(headers, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                            static_cast<ssize_t>(value.size()));
    }
    auto report = std::make_shared<Producer::Report>();
    auto* holder = new std::shared_ptr<Producer::Report>(report);
    const void* key = record.key ? record.key->data() : nullptr;
    const size_t key_size = record.key ? record.key->size() : 0;
    const rd_kafka_resp_err_t err = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(record.topic.c_str()),
        RD_KAFKA_V_PARTITION(record.partition < 0 ? RD_KAFKA_PARTITION_UA : record.partition),
        RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(const_cast<char*>(record.value.data()), record.value.size()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_HEADERS(headers),
        RD_KAFKA_V_TIMESTAMP(record.timestamp_ms), RD_KAFKA_V_OPAQUE(holder), RD_KAFKA_V_END);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        // Not enqueued: the headers and the report are still ours.
        rd_kafka_headers_destroy(headers);
        delete holder;
        throw std::runtime_error("embedded cluster: produce to " + record.topic + ": " + rd_kafka_err2str(err));
    }
    const auto deadline = Clock::now() + timeout;
    while (!report->done && Clock::now() < deadline) {
        rd_kafka_poll(rk, 10);
    }
    if (!report->done) {
        throw std::runtime_error("embedded cluster: produce to " + record.topic + ": no delivery report in time");
    }
    if (report->error != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded cluster: produce to " + record.topic + ": " +
                                 rd_kafka_err2str(report->error));
    }
    return report->where;
}

Delivered EmbeddedCluster::Produce(std::string_view topic, std::optional<std::string> key, std::string value,
                                   Headers headers) {
    ProduceRecord record;
    record.topic = topic;
    record.key = std::move(key);
    record.value = std::move(value);
    record.headers = std::move(headers);
    return Produce(record);
}

std::vector<ConsumedRecord> EmbeddedCluster::ConsumeAll(std::string_view topic, std::size_t count,
                                                        std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Handle consumer(NewConsumer("cosmic-test-reader-" + UniqueSuffix()));
    const int partitions = PartitionCountOn(consumer.get(), topic, timeout);
    LearnLeaders(consumer.get(), topic, deadline);
    const std::string name(topic);
    PartitionList list(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list.get(), name.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
    }
    if (auto err = rd_kafka_assign(consumer.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded cluster: assign " + name + ": " + rd_kafka_err2str(err));
    }
    std::vector<ConsumedRecord> records;
    while (records.size() < count && Clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), std::min(RemainingMs(deadline), 100));
        if (message == nullptr) {
            continue;
        }
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            records.push_back(ToRecord(message));
        }
        // Other errors (partition EOF, transient broker errors) are retried by librdkafka.
        rd_kafka_message_destroy(message);
    }
    return records;
}

std::vector<ConsumedRecord> EmbeddedCluster::ConsumeToEnd(std::string_view topic, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Handle consumer(NewConsumer("cosmic-test-reader-" + UniqueSuffix()));
    const int partitions = PartitionCountOn(consumer.get(), topic, timeout);
    LearnLeaders(consumer.get(), topic, deadline);
    const std::string name(topic);
    std::map<std::int32_t, std::int64_t> ends;  // partition -> high watermark still to reach
    PartitionList list(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
        std::int64_t low = 0;
        std::int64_t high = 0;
        if (auto err = rd_kafka_query_watermark_offsets(consumer.get(), name.c_str(), p, &low, &high,
                                                        std::max(RemainingMs(deadline), 1));
            err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw std::runtime_error("embedded cluster: watermarks of " + name + ": " + rd_kafka_err2str(err));
        }
        if (high > low) {
            ends[p] = high;
            rd_kafka_topic_partition_list_add(list.get(), name.c_str(), p)->offset = low;
        }
    }
    std::vector<ConsumedRecord> records;
    if (ends.empty()) {
        return records;
    }
    if (auto err = rd_kafka_assign(consumer.get(), list.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded cluster: assign " + name + ": " + rd_kafka_err2str(err));
    }
    while (!ends.empty() && Clock::now() < deadline) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), std::min(RemainingMs(deadline), 100));
        if (message == nullptr) {
            continue;
        }
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            auto it = ends.find(message->partition);
            if (it != ends.end()) {
                if (message->offset < it->second) {
                    records.push_back(ToRecord(message));
                }
                if (message->offset + 1 >= it->second) {
                    ends.erase(it);
                }
            }
        }
        rd_kafka_message_destroy(message);
    }
    if (!ends.empty()) {
        throw std::runtime_error("embedded cluster: " + name + " not read to its end in time");
    }
    return records;
}

std::map<std::int32_t, std::int64_t> EmbeddedCluster::CommittedOffsets(std::string_view group, std::string_view topic,
                                                                       std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    // A consumer with the group's id that never subscribes reads the group's commits without
    // joining (and so without disturbing) the group.
    Handle consumer(NewConsumer(group));
    const int partitions = PartitionCountOn(consumer.get(), topic, timeout);
    const std::string name(topic);
    PartitionList list(rd_kafka_topic_partition_list_new(partitions));
    for (int p = 0; p < partitions; ++p) {
        rd_kafka_topic_partition_list_add(list.get(), name.c_str(), p);
    }
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    do {
        err = rd_kafka_committed(consumer.get(), list.get(), std::max(RemainingMs(deadline), 1));
    } while (err != RD_KAFKA_RESP_ERR_NO_ERROR && Clock::now() < deadline);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded cluster: committed offsets of " + std::string(group) + ": " +
                                 rd_kafka_err2str(err));
    }
    std::map<std::int32_t, std::int64_t> offsets;
    for (int i = 0; i < list->cnt; ++i) {
        const auto& entry = list->elems[i];
        offsets[entry.partition] = entry.offset < 0 ? -1 : entry.offset;
    }
    return offsets;
}

void EmbeddedCluster::CommitOffsets(std::string_view group, std::string_view topic,
                                    const std::map<std::int32_t, std::int64_t>& offsets,
                                    std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    Handle consumer(NewConsumer(group));
    const std::string name(topic);
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [partition, offset] : offsets) {
        rd_kafka_topic_partition_list_add(list.get(), name.c_str(), partition)->offset = offset;
    }
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    do {
        // Synchronous commit; retried because the coordinator may not be known yet.
        err = rd_kafka_commit(consumer.get(), list.get(), 0);
    } while (err != RD_KAFKA_RESP_ERR_NO_ERROR && Clock::now() < deadline);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded cluster: commit for " + std::string(group) + ": " + rd_kafka_err2str(err));
    }
}

std::pair<std::int64_t, std::int64_t> EmbeddedCluster::Watermarks(std::string_view topic, std::int32_t partition,
                                                                  std::chrono::milliseconds timeout) {
    std::int64_t low = 0;
    std::int64_t high = 0;
    const std::string name(topic);
    if (auto err = rd_kafka_query_watermark_offsets(producer_->handle.get(), name.c_str(), partition, &low, &high,
                                                    static_cast<int>(timeout.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("embedded cluster: watermarks of " + name + ": " + rd_kafka_err2str(err));
    }
    return {low, high};
}

void EmbeddedCluster::SetBrokerDown(int broker_id) { Mock().SetBrokerDown(broker_id); }
void EmbeddedCluster::SetBrokerUp(int broker_id) { Mock().SetBrokerUp(broker_id); }
void EmbeddedCluster::SetRtt(int broker_id, int rtt_ms) { Mock().SetRtt(broker_id, rtt_ms); }
void EmbeddedCluster::PushRequestErrors(ApiKey api, const std::vector<rd_kafka_resp_err_t>& errors) {
    Mock().PushRequestErrors(api, errors);
}
void EmbeddedCluster::SetPartitionLeader(std::string_view topic, std::int32_t partition, int broker_id) {
    Mock().SetPartitionLeader(topic, partition, broker_id);
}

}  // namespace cosmic::kafka::testing
