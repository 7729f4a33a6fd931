#pragma once
/// A Kafka cluster for integration tests. By default an in-process librdkafka mock cluster with
/// every table topic and its `.dlq` created; with COSMIC_TEST_BOOTSTRAP set, the same interface
/// points at that (real) cluster instead, and only fault injection is unavailable.
///
/// On a real cluster the table topics are shared by every test, so the fixture creates the
/// missing ones and then deletes every record in them (DeleteRecords): a test reads only what it
/// produced, as on a fresh mock, but offsets continue from earlier tests instead of starting at
/// 0. Topics from CreateUniqueTopic get replication min(3, brokers), since real brokers default
/// to min.insync.replicas=2.
///
/// The helpers use raw librdkafka, independent of the library's producer and runner, so a test
/// can check what really landed on a topic and what a group really committed.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cosmic/kafka/client_config.hpp"
#include "cosmic/kafka/mock_cluster.hpp"

namespace cosmic::kafka::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A record to produce. partition < 0 lets the default partitioner choose (by key).
struct ProduceRecord {
    std::string topic;
    std::optional<std::string> key;
    std::string value;
    Headers headers;
    std::int32_t partition = -1;
    std::int64_t timestamp_ms = 0;  ///< 0 = now
};

/// Where a produced record landed.
struct Delivered {
    std::int32_t partition = -1;
    std::int64_t offset = -1;
};

/// A record read back from the cluster.
struct ConsumedRecord {
    std::string topic;
    std::int32_t partition = -1;
    std::int64_t offset = -1;
    std::optional<std::string> key;  ///< nullopt for a null key
    std::string value;
    Headers headers;  ///< in wire order; a null header value reads as ""
    std::int64_t timestamp_ms = -1;

    /// The last header with this name (Kafka allows repeats), or nullopt.
    std::optional<std::string> Header(std::string_view name) const;
};

struct EmbeddedClusterOptions {
    int brokers = MockCluster::kDefaultBrokers;
    /// Create the six table topics and their `.dlq` twins.
    bool create_table_topics = true;
    /// Read COSMIC_TEST_BOOTSTRAP and use that cluster when set.
    bool allow_external = true;
};

/// Default time the helpers wait for the cluster.
inline constexpr std::chrono::milliseconds kDefaultTimeout{std::chrono::seconds(30)};

class EmbeddedCluster {
  public:
    EmbeddedCluster();
    explicit EmbeddedCluster(EmbeddedClusterOptions options);
    ~EmbeddedCluster();
    EmbeddedCluster(const EmbeddedCluster&) = delete;
    EmbeddedCluster& operator=(const EmbeddedCluster&) = delete;

    /// bootstrap.servers for clients under test.
    const std::string& Bootstraps() const noexcept { return bootstraps_; }
    /// bootstrap.servers plus settings that keep tests fast (short fetch waits, frequent
    /// metadata refresh, short reconnect backoff). Services under test start from this.
    kafka::ClientConfig ClientConfig() const;

    /// True for the mock cluster; false for an external cluster (fault injection throws).
    bool SupportsFaultInjection() const noexcept { return mock_ != nullptr; }
    /// The mock cluster; throws std::logic_error on an external cluster.
    MockCluster& Mock();

    /// Creates a topic (on an external cluster with the Admin API; an existing topic is fine).
    void CreateTopic(std::string_view name, int partitions, int replication = 1);
    /// A topic name unique within the process, created with `partitions` partitions.
    std::string CreateUniqueTopic(std::string_view prefix, int partitions);
    /// Partition count from metadata; throws when the topic does not exist.
    int PartitionCount(std::string_view topic, std::chrono::milliseconds timeout = kDefaultTimeout);

    /// Produces one record and waits for its delivery report; throws on failure.
    Delivered Produce(const ProduceRecord& record, std::chrono::milliseconds timeout = kDefaultTimeout);
    Delivered Produce(std::string_view topic, std::optional<std::string> key, std::string value, Headers headers = {});

    /// Reads `topic` from the beginning of every partition until `count` records arrived or the
    /// timeout passed; returns what it got (records of one partition in offset order).
    std::vector<ConsumedRecord> ConsumeAll(std::string_view topic, std::size_t count,
                                           std::chrono::milliseconds timeout = kDefaultTimeout);
    /// Reads everything currently in `topic` (up to each partition's high watermark at the call).
    std::vector<ConsumedRecord> ConsumeToEnd(std::string_view topic,
                                             std::chrono::milliseconds timeout = kDefaultTimeout);

    /// Committed offset per partition of `topic` for `group` (-1 where nothing is committed).
    std::map<std::int32_t, std::int64_t> CommittedOffsets(std::string_view group, std::string_view topic,
                                                          std::chrono::milliseconds timeout = kDefaultTimeout);
    /// Commits offsets for `group` as a consumer outside the group would (the group must have
    /// no active members).
    void CommitOffsets(std::string_view group, std::string_view topic,
                       const std::map<std::int32_t, std::int64_t>& offsets,
                       std::chrono::milliseconds timeout = kDefaultTimeout);
    /// {low, high} watermarks of one partition.
    std::pair<std::int64_t, std::int64_t> Watermarks(std::string_view topic, std::int32_t partition,
                                                     std::chrono::milliseconds timeout = kDefaultTimeout);

    // Fault injection (mock only; see MockCluster). Broker ids are 1..brokers.
    void SetBrokerDown(int broker_id);
    void SetBrokerUp(int broker_id);
    void SetRtt(int broker_id, int rtt_ms);
    void PushRequestErrors(ApiKey api, const std::vector<rd_kafka_resp_err_t>& errors);
    void SetPartitionLeader(std::string_view topic, std::int32_t partition, int broker_id);

  private:
    struct Producer;
    rd_kafka_t* NewConsumer(std::string_view group) const;
    /// Replication for topics this fixture creates on an external cluster: min(3, brokers).
    int ExternalReplication() const noexcept;

    std::unique_ptr<MockCluster> mock_;
    int external_brokers_ = 0;
    std::string bootstraps_;
    std::unique_ptr<Producer> producer_;
};

/// GoogleTest fixture: a fresh cluster per test, `cluster_` ready in the test body.
class EmbeddedClusterTest : public ::testing::Test {
  protected:
    EmbeddedClusterTest() = default;
    explicit EmbeddedClusterTest(EmbeddedClusterOptions options) : cluster_(options) {}

    EmbeddedCluster cluster_;
};

}  // namespace cosmic::kafka::testing

/// Skips the current test (from its body) when `cluster` cannot inject faults (external cluster).
#define COSMIC_REQUIRE_FAULT_INJECTION(cluster)                       \
    do {                                                              \
        if (!(cluster).SupportsFaultInjection()) {                    \
            GTEST_SKIP() << "fault injection needs the mock cluster"; \
        }                                                             \
    } while (false)
