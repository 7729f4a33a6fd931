// cosmicctl lag against the embedded cluster.

#include <gtest/gtest.h>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmicctl_test_support.hpp"

namespace cosmic::cosmicctl {
namespace {

using kafka::testing::EmbeddedClusterTest;
using kafka::testing::ProduceRecord;
using test::Cosmicctl;
using test::Row;

class CosmicctlLagTest : public EmbeddedClusterTest {
  protected:
    void ProduceTo(const std::string& topic, std::int32_t partition, int count) {
        for (int i = 0; i < count; ++i) {
            cluster_.Produce(ProduceRecord{topic, "k", "v", {}, partition, 0});
        }
    }
};

TEST_F(CosmicctlLagTest, PrintsLagPerPartitionAndTheTotal) {
    const std::string topic = cluster_.CreateUniqueTopic("ctl-lag", 2);
    ProduceTo(topic, 0, 6);
    ProduceTo(topic, 1, 2);
    cluster_.CommitOffsets("ctl-group", topic, {{0, 4}});

    const auto run = Cosmicctl(cluster_.Bootstraps(), {"lag", "--group", "ctl-group", "--topic", topic});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(Row(run.out, "TOPIC"), (std::vector<std::string>{"TOPIC", "PARTITION", "COMMITTED", "HIGH", "LAG"}));
    EXPECT_EQ(Row(run.out, topic, 0), (std::vector<std::string>{topic, "0", "4", "6", "2"}));
    EXPECT_EQ(Row(run.out, topic, 1), (std::vector<std::string>{topic, "1", "-", "2", "2"}));
    EXPECT_EQ(Row(run.out, "TOTAL"), (std::vector<std::string>{"TOTAL", "4"}));
}

TEST_F(CosmicctlLagTest, WithoutTopicsShowsTheTopicsTheGroupCommittedOn) {
    const std::string topic = cluster_.CreateUniqueTopic("ctl-lag-any", 1);
    ProduceTo(topic, 0, 3);
    cluster_.CommitOffsets("ctl-any-group", topic, {{0, 1}});

    const auto run = Cosmicctl(cluster_.Bootstraps(), {"lag", "--group", "ctl-any-group"});
    ASSERT_EQ(run.status, 0) << run.err;
    EXPECT_EQ(Row(run.out, topic), (std::vector<std::string>{topic, "0", "1", "3", "2"}));
    EXPECT_TRUE(Row(run.out, "job-lifecycle").empty()) << run.out;
    EXPECT_EQ(Row(run.out, "TOTAL"), (std::vector<std::string>{"TOTAL", "2"}));
}

TEST_F(CosmicctlLagTest, UnknownGroupAndTopicFailClearly) {
    auto run = Cosmicctl(cluster_.Bootstraps(), {"lag", "--group", "nobody"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("group 'nobody' has no committed offsets"), std::string::npos) << run.err;

    run = Cosmicctl(cluster_.Bootstraps(), {"lag", "--group", "g", "--topic", "missing-topic"});
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find("unknown topic 'missing-topic'"), std::string::npos) << run.err;

    run = Cosmicctl(cluster_.Bootstraps(), {"lag"});
    EXPECT_EQ(run.status, 2);
    EXPECT_NE(run.err.find("usage:"), std::string::npos);
}

}  // namespace
}  // namespace cosmic::cosmicctl
