#pragma once
/// RAII over librdkafka's mock cluster (`rdkafka_mock.h`): an in-process set of brokers that
/// speak the real Kafka protocol on 127.0.0.1, with fault injection. Used by the test fixture
/// and by `tools/dev-broker`.
///
/// Mock behaviour worth knowing: unknown topics auto-create with 4 partitions when a client
/// asks for them; each partition keeps at most 5 MiB / 100k messages; the first join of a
/// consumer group takes about 3 s (group.initial.rebalance.delay). CreateTopics and
/// DescribeConfigs are not implemented by the mock.

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Forward declaration of librdkafka's opaque mock type (defined in rdkafka_mock.h).
typedef struct rd_kafka_mock_cluster_s rd_kafka_mock_cluster_t;

namespace cosmic::kafka {

/// Kafka protocol request types (the protocol's ApiKey numbers) that fault injection targets.
enum class ApiKey : std::int16_t {
    kProduce = 0,
    kFetch = 1,
    kListOffsets = 2,
    kMetadata = 3,
    kOffsetCommit = 8,
    kOffsetFetch = 9,
    kFindCoordinator = 10,
    kJoinGroup = 11,
    kHeartbeat = 12,
    kLeaveGroup = 13,
    kSyncGroup = 14,
    kDescribeGroups = 15,
    kListGroups = 16,
    kApiVersions = 18,
    kCreateTopics = 19,
    kInitProducerId = 22,
    kAddPartitionsToTxn = 24,
    kAddOffsetsToTxn = 25,
    kEndTxn = 26,
    kTxnOffsetCommit = 28,
    kDescribeConfigs = 32,
    kCreatePartitions = 37,
    kOffsetDelete = 47,
};

/// "Produce", "Fetch", ... (the protocol's names).
std::string_view ToString(ApiKey api) noexcept;
/// Parses a protocol name ("Produce", case-insensitive) or a decimal ApiKey number.
std::optional<ApiKey> ParseApiKey(std::string_view text) noexcept;
/// Parses a librdkafka error name as printed by rd_kafka_err2name ("NOT_LEADER_FOR_PARTITION",
/// with or without the "RD_KAFKA_RESP_ERR_" prefix) or a decimal protocol error code.
std::optional<rd_kafka_resp_err_t> ParseErrorCode(std::string_view text) noexcept;

class MockCluster {
  public:
    static constexpr int kDefaultBrokers = 3;

    /// Starts `brokers` brokers with ids 1..brokers. Throws std::runtime_error on failure.
    explicit MockCluster(int brokers = kDefaultBrokers);
    ~MockCluster();
    MockCluster(const MockCluster&) = delete;
    MockCluster& operator=(const MockCluster&) = delete;

    /// Comma-separated "127.0.0.1:port" list for bootstrap.servers.
    const std::string& Bootstraps() const noexcept { return bootstraps_; }
    int BrokerCount() const noexcept { return brokers_; }

    /// Creates a topic (replication is capped at the broker count). Throws on error.
    void CreateTopic(std::string_view name, int partitions, int replication = 1);
    /// Creates every topic of the table (schema::AllTopics()) and its `.dlq` twin with the same
    /// partition count; replication defaults to min(3, brokers).
    void CreateTableTopics(std::optional<int> replication = std::nullopt);

    /// Broker ids start at 1. A down broker closes its connections and refuses new ones.
    void SetBrokerDown(int broker_id);
    void SetBrokerUp(int broker_id);
    /// Adds `rtt_ms` of latency to every response of the broker (0 removes it).
    void SetRtt(int broker_id, int rtt_ms);
    /// The next requests of type `api` (any broker) fail with these errors, in order.
    void PushRequestErrors(ApiKey api, const std::vector<rd_kafka_resp_err_t>& errors);
    /// Drops errors still queued for `api`.
    void ClearRequestErrors(ApiKey api);
    void SetPartitionLeader(std::string_view topic, std::int32_t partition, int broker_id);
    /// Every request for the topic fails with `error` (RD_KAFKA_RESP_ERR_NO_ERROR clears it).
    void SetTopicError(std::string_view topic, rd_kafka_resp_err_t error);

    /// Limits the protocol versions the brokers advertise for `api` (-1, -1 removes the API), to
    /// act like an older broker.
    void SetApiVersion(ApiKey api, int min_version, int max_version);

    /// The underlying handle for mock calls not wrapped here.
    rd_kafka_mock_cluster_t* Native() const noexcept { return cluster_; }

  private:
    void CheckBroker(int broker_id) const;

    int brokers_;
    rd_kafka_t* owner_ = nullptr;  ///< the producer handle the mock cluster needs for bookkeeping
    rd_kafka_mock_cluster_t* cluster_ = nullptr;
    std::string bootstraps_;
};

}  // namespace cosmic::kafka
