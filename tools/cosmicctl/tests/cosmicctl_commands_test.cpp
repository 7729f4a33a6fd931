// cosmicctl topics, produce/tail, failures, and the binary itself.

#include <gtest/gtest.h>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmicctl_test_support.hpp"

namespace cosmic::cosmicctl {
namespace {

using kafka::testing::EmbeddedClusterTest;
using test::Cosmicctl;
using test::Row;

class CosmicctlCommandsTest : public EmbeddedClusterTest {};

TEST_F(CosmicctlCommandsTest, DescribeListsTheTableTopics) {
    const auto run = Cosmicctl(cluster_.Bootstraps(), {"topics", "describe"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(Row(run.out, "job-metrics").at(1), "20");
    EXPECT_EQ(Row(run.out, "job-metrics").at(2), "3");
    EXPECT_EQ(Row(run.out, "audit-trail.dlq").at(1), "5");

    const auto one = Cosmicctl(cluster_.Bootstraps(), {"topics", "describe", "system-health"});
    ASSERT_EQ(one.status, 0) << one.err;
    EXPECT_EQ(Row(one.out, "PARTITION"), (std::vector<std::string>{"PARTITION", "LEADER", "REPLICAS", "ISR"}));
    EXPECT_EQ(Row(one.out, "2").size(), 4U) << one.out;

    const auto missing = Cosmicctl(cluster_.Bootstraps(), {"topics", "describe", "missing"});
    EXPECT_EQ(missing.status, 1);
    EXPECT_NE(missing.err.find("unknown topic 'missing'"), std::string::npos);
}

TEST_F(CosmicctlCommandsTest, ApplyOnAMatchingClusterChangesNothing) {
    const auto run = Cosmicctl(cluster_.Bootstraps(), {"topics", "apply", "--dry-run"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_NE(run.out.find("topics match the table (12 topics)"), std::string::npos) << run.out;
    EXPECT_EQ(run.out.find("plan "), std::string::npos) << run.out;

    const auto bad = Cosmicctl(cluster_.Bootstraps(), {"topics", "apply", "--replication", "5"});
    EXPECT_EQ(bad.status, 1);
    EXPECT_NE(bad.err.find("replication factor 5"), std::string::npos) << bad.err;
}

TEST_F(CosmicctlCommandsTest, ProduceThenTailRoundTrip) {
    const std::string topic = cluster_.CreateUniqueTopic("ctl-produce", 1);
    const auto produced = Cosmicctl(cluster_.Bootstraps(),
                                    {"produce", topic, "--key", "k1", "--header", "source=cli", "--header", "a=b=c"},
                                    "line one\nline two\n");
    ASSERT_EQ(produced.status, 0) << produced.err;
    EXPECT_NE(produced.out.find("produced 2 record(s)"), std::string::npos);

    const auto records = cluster_.ConsumeAll(topic, 2);
    ASSERT_EQ(records.size(), 2U);
    EXPECT_EQ(records[0].value, "line one");
    EXPECT_EQ(records[0].key, std::optional<std::string>("k1"));
    EXPECT_EQ(records[0].Header("source"), std::optional<std::string>("cli"));
    EXPECT_EQ(records[0].Header("a"), std::optional<std::string>("b=c"));

    const auto tail =
        Cosmicctl(cluster_.Bootstraps(), {"tail", topic, "--from-beginning", "--limit", "2", "--headers"});
    ASSERT_EQ(tail.status, 0) << tail.err;
    EXPECT_NE(tail.out.find("0/0  key=k1  line one"), std::string::npos) << tail.out;
    EXPECT_NE(tail.out.find("0/1  key=k1  line two"), std::string::npos) << tail.out;
    EXPECT_NE(tail.out.find("    source=cli"), std::string::npos) << tail.out;
}

TEST_F(CosmicctlCommandsTest, ProduceToAnUnknownTopicFails) {
    const auto run = Cosmicctl(cluster_.Bootstraps(), {"produce", "no-such-topic"}, "x\n");
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("unknown topic 'no-such-topic'"), std::string::npos) << run.err;
}

TEST(CosmicctlFailureTest, UnreachableClusterFailsWithinTheTimeout) {
    const auto run = Cosmicctl("127.0.0.1:1", {"--timeout", "1", "topics", "describe"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("cannot reach Kafka at 127.0.0.1:1"), std::string::npos) << run.err;
    const auto lag = Cosmicctl("127.0.0.1:1", {"--timeout", "1", "lag", "--group", "g"});
    EXPECT_EQ(lag.status, 1);
    EXPECT_NE(lag.err.find("cannot reach Kafka at 127.0.0.1:1"), std::string::npos) << lag.err;
}

TEST(CosmicctlFailureTest, BadUsageExitsTwoWithUsage) {
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"frobnicate"}, std::vector<std::string>{"topics"},
          std::vector<std::string>{"tail", "t", "--group", "g"},
          std::vector<std::string>{"--timeout", "0", "topics", "describe"}}) {
        const auto run = Cosmicctl("127.0.0.1:1", args);
        EXPECT_EQ(run.status, 2) << args.front();
        EXPECT_NE(run.err.find("usage: cosmicctl"), std::string::npos);
    }
    // No cluster given at all.
    std::istringstream in;
    std::ostringstream out;
    std::ostringstream err;
    const std::atomic<bool> stop{false};
    EXPECT_EQ(Main({"topics", "describe"}, {}, Io{in, out, err}, stop), 2);
    EXPECT_NE(err.str().find("KAFKA_BOOTSTRAP_SERVERS"), std::string::npos);
}

TEST(CosmicctlBinaryTest, ExitStatusesOfTheProgram) {
    EXPECT_EQ(test::RunBinary({"--help"}).exit_status, 0);
    EXPECT_EQ(test::RunBinary({"nonsense"}).exit_status, 2);
    EXPECT_EQ(test::RunBinary({"--timeout", "1", "lag", "--group", "g"}, {{"KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"}})
                  .exit_status,
              1);
}

}  // namespace
}  // namespace cosmic::cosmicctl
