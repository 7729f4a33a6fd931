#include "cosmic/kafka/mock_cluster.hpp"

#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <string>
#include <utility>

#include "cosmic/schema/topics.hpp"

namespace cosmic::kafka {
namespace {

constexpr std::array<std::pair<ApiKey, std::string_view>, 23> kApiNames{{
    {ApiKey::kProduce, "Produce"},
    {ApiKey::kFetch, "Fetch"},
    {ApiKey::kListOffsets, "ListOffsets"},
    {ApiKey::kMetadata, "Metadata"},
    {ApiKey::kOffsetCommit, "OffsetCommit"},
    {ApiKey::kOffsetFetch, "OffsetFetch"},
    {ApiKey::kFindCoordinator, "FindCoordinator"},
    {ApiKey::kJoinGroup, "JoinGroup"},
    {ApiKey::kHeartbeat, "Heartbeat"},
    {ApiKey::kLeaveGroup, "LeaveGroup"},
    {ApiKey::kSyncGroup, "SyncGroup"},
    {ApiKey::kDescribeGroups, "DescribeGroups"},
    {ApiKey::kListGroups, "ListGroups"},
    {ApiKey::kApiVersions, "ApiVersions"},
    {ApiKey::kCreateTopics, "CreateTopics"},
    {ApiKey::kInitProducerId, "InitProducerId"},
    {ApiKey::kAddPartitionsToTxn, "AddPartitionsToTxn"},
    {ApiKey::kAddOffsetsToTxn, "AddOffsetsToTxn"},
    {ApiKey::kEndTxn, "EndTxn"},
    {ApiKey::kTxnOffsetCommit, "TxnOffsetCommit"},
    {ApiKey::kDescribeConfigs, "DescribeConfigs"},
    {ApiKey::kCreatePartitions, "CreatePartitions"},
    {ApiKey::kOffsetDelete, "OffsetDelete"},
}};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) noexcept {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}

std::optional<int> ParseInt(std::string_view text) noexcept {
    int value = 0;
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

void Check(rd_kafka_resp_err_t err, std::string_view what) {
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw std::runtime_error("mock cluster: " + std::string(what) + ": " + rd_kafka_err2str(err));
    }
}

}  // namespace

std::string_view ToString(ApiKey api) noexcept {
    for (const auto& [key, name] : kApiNames) {
        if (key == api) {
            return name;
        }
    }
    return "Unknown";
}

std::optional<ApiKey> ParseApiKey(std::string_view text) noexcept {
    for (const auto& [key, name] : kApiNames) {
        if (EqualsIgnoreCase(name, text)) {
            return key;
        }
    }
    // Any protocol number is accepted so requests not named above can still be targeted.
    if (auto number = ParseInt(text); number && *number >= 0 && *number <= 32767) {
        return static_cast<ApiKey>(*number);
    }
    return std::nullopt;
}

std::optional<rd_kafka_resp_err_t> ParseErrorCode(std::string_view text) noexcept {
    constexpr std::string_view kPrefix = "RD_KAFKA_RESP_ERR_";
    if (text.size() > kPrefix.size() && EqualsIgnoreCase(text.substr(0, kPrefix.size()), kPrefix)) {
        text.remove_prefix(kPrefix.size());
    }
    if (auto number = ParseInt(text)) {
        return static_cast<rd_kafka_resp_err_t>(*number);
    }
    const rd_kafka_err_desc* descs = nullptr;
    size_t count = 0;
    rd_kafka_get_err_descs(&descs, &count);
    for (size_t i = 0; i < count; ++i) {
        if (descs[i].name != nullptr && EqualsIgnoreCase(descs[i].name, text)) {
            return descs[i].code;
        }
    }
    return std::nullopt;
}

MockCluster::MockCluster(int brokers) : brokers_(brokers) {
    if (brokers < 1) {
        throw std::invalid_argument("mock cluster: broker count must be at least 1");
    }
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    // The handle only exists for the mock's bookkeeping; it never connects anywhere, so its
    // "no bootstrap.servers" configuration warning is noise.
    if (rd_kafka_conf_set(conf, "log_level", "3", error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        throw std::runtime_error(std::string("mock cluster: ") + error);
    }
    owner_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    if (owner_ == nullptr) {
        throw std::runtime_error(std::string("mock cluster: cannot create handle: ") + error);
    }
    cluster_ = rd_kafka_mock_cluster_new(owner_, brokers);
    if (cluster_ == nullptr) {
        rd_kafka_destroy(owner_);
        throw std::runtime_error("mock cluster: rd_kafka_mock_cluster_new failed");
    }
    bootstraps_ = rd_kafka_mock_cluster_bootstraps(cluster_);
}

MockCluster::~MockCluster() {
    rd_kafka_mock_cluster_destroy(cluster_);
    rd_kafka_destroy(owner_);
}

void MockCluster::CreateTopic(std::string_view name, int partitions, int replication) {
    const std::string topic(name);
    Check(rd_kafka_mock_topic_create(cluster_, topic.c_str(), partitions, std::clamp(replication, 1, brokers_)),
          "create topic " + topic);
}

void MockCluster::CreateTableTopics(std::optional<int> replication) {
    const int factor = replication.value_or(std::min(schema::kProductionReplicationFactor, brokers_));
    for (const auto& spec : schema::AllTopics()) {
        CreateTopic(spec.name, spec.partitions, factor);
        CreateTopic(schema::DlqTopicName(spec.name), spec.partitions, factor);
    }
}

void MockCluster::CheckBroker(int broker_id) const {
    if (broker_id < 1 || broker_id > brokers_) {
        throw std::out_of_range("mock cluster: no broker " + std::to_string(broker_id) + " (brokers are 1.." +
                                std::to_string(brokers_) + ")");
    }
}

void MockCluster::SetBrokerDown(int broker_id) {
    CheckBroker(broker_id);
    Check(rd_kafka_mock_broker_set_down(cluster_, broker_id), "broker down");
}

void MockCluster::SetBrokerUp(int broker_id) {
    CheckBroker(broker_id);
    Check(rd_kafka_mock_broker_set_up(cluster_, broker_id), "broker up");
}

void MockCluster::SetRtt(int broker_id, int rtt_ms) {
    CheckBroker(broker_id);
    if (rtt_ms < 0) {
        throw std::invalid_argument("mock cluster: rtt must not be negative");
    }
    Check(rd_kafka_mock_broker_set_rtt(cluster_, broker_id, rtt_ms), "set rtt");
}

void MockCluster::PushRequestErrors(ApiKey api, const std::vector<rd_kafka_resp_err_t>& errors) {
    if (errors.empty()) {
        return;
    }
    rd_kafka_mock_push_request_errors_array(cluster_, static_cast<std::int16_t>(api), errors.size(), errors.data());
}

void MockCluster::ClearRequestErrors(ApiKey api) {
    rd_kafka_mock_clear_request_errors(cluster_, static_cast<std::int16_t>(api));
}

void MockCluster::SetPartitionLeader(std::string_view topic, std::int32_t partition, int broker_id) {
    CheckBroker(broker_id);
    const std::string name(topic);
    Check(rd_kafka_mock_partition_set_leader(cluster_, name.c_str(), partition, broker_id), "set leader");
}

void MockCluster::SetTopicError(std::string_view topic, rd_kafka_resp_err_t error) {
    const std::string name(topic);
    rd_kafka_mock_topic_set_error(cluster_, name.c_str(), error);
}

void MockCluster::SetApiVersion(ApiKey api, int min_version, int max_version) {
    Check(rd_kafka_mock_set_apiversion(cluster_, static_cast<std::int16_t>(api), static_cast<std::int16_t>(min_version),
                                       static_cast<std::int16_t>(max_version)),
          "set api version of " + std::string(ToString(api)));
}

}  // namespace cosmic::kafka
