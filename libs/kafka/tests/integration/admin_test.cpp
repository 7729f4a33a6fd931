// Admin against the test cluster: metadata-based description and planning. The mock does not
// implement CreateTopics, CreatePartitions or DescribeConfigs, so creation itself is covered by
// the real-cluster tests (tests/e2e: cosmicctl topics apply).

#include "cosmic/kafka/admin.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "cosmic/kafka/testing/embedded_cluster.hpp"

namespace cosmic::kafka {
namespace {

using testing::EmbeddedClusterTest;

class AdminTest : public EmbeddedClusterTest {};

TEST_F(AdminTest, DescribesPartitionsLeadersAndReplicas) {
    Admin admin(cluster_.ClientConfig(), std::chrono::seconds(10));
    EXPECT_EQ(admin.BrokerCount(), 3);
    const auto topics = admin.DescribeTopics({"job-lifecycle", "audit-trail.dlq"});
    ASSERT_EQ(topics.size(), 2U);
    EXPECT_EQ(topics[0].name, "audit-trail.dlq");
    EXPECT_EQ(topics[0].partitions.size(), 5U);
    EXPECT_EQ(topics[1].name, "job-lifecycle");
    ASSERT_EQ(topics[1].partitions.size(), 10U);
    for (const auto& partition : topics[1].partitions) {
        EXPECT_GE(partition.leader, 1);
        EXPECT_EQ(partition.replicas.size(), 3U);
        EXPECT_TRUE(std::find(partition.replicas.begin(), partition.replicas.end(), partition.leader) !=
                    partition.replicas.end());
    }
    EXPECT_EQ(topics[1].ReplicationFactor(), 3);
    if (cluster_.SupportsFaultInjection()) {
        // The mock cannot describe configs: reported as unknown, not as an empty config set.
        EXPECT_FALSE(topics[1].configs_known);
        EXPECT_FALSE(topics[1].configs_error.empty());
    }
}

TEST_F(AdminTest, DescribingEverythingListsTheTable) {
    Admin admin(cluster_.ClientConfig(), std::chrono::seconds(10));
    const auto topics = admin.DescribeTopics();
    if (cluster_.SupportsFaultInjection()) {
        EXPECT_EQ(topics.size(), 12U);
    }
    // A shared real cluster also has other tests' topics; the table's twelve are there either way.
    for (const auto& want : TopicTable({}, admin.BrokerCount())) {
        EXPECT_TRUE(std::any_of(topics.begin(), topics.end(), [&](const ObservedTopic& t) {
            return t.name == want.name;
        })) << want.name;
    }
}

TEST_F(AdminTest, UnknownTopicIsAnError) {
    Admin admin(cluster_.ClientConfig(), std::chrono::seconds(10));
    try {
        admin.DescribeTopics({"nope"});
        FAIL() << "expected AdminError";
    } catch (const AdminError& error) {
        EXPECT_EQ(error.Code(), RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
    }
}

TEST_F(AdminTest, DryRunPlansMissingTopicsAndPartitionsWithoutChangingAnything) {
    cluster_.CreateTopic("short-topic", 2, 3);
    Admin admin(cluster_.ClientConfig(), std::chrono::seconds(10));
    auto table = TopicTable({}, admin.BrokerCount());
    table.push_back({"short-topic", 4, 3, {}});
    table.push_back({"new-topic", 2, 3, {{"retention.ms", "1000"}}});
    const auto actions = admin.ApplyTopics(table, /*dry_run=*/true);

    std::vector<std::string> changes;
    for (const auto& action : actions) {
        if (action.Changes()) {
            changes.push_back(action.Describe());
        }
    }
    ASSERT_EQ(changes.size(), 2U);
    EXPECT_EQ(changes[0], "short-topic: partitions 2\u21924");
    EXPECT_EQ(changes[1], "new-topic: create (2 partitions, replication 3, retention.ms=1000)");
    EXPECT_EQ(cluster_.PartitionCount("short-topic"), 2);
    EXPECT_THROW(admin.DescribeTopics({"new-topic"}), AdminError);
}

TEST_F(AdminTest, ApplyFailsClearlyWhereTopicsCannotBeCreated) {
    COSMIC_REQUIRE_FAULT_INJECTION(cluster_);  // a real cluster would create the topic
    Admin admin(cluster_.ClientConfig(), std::chrono::seconds(10));
    try {
        admin.ApplyTopics({{"new-topic", 2, 3, {}}});
        FAIL() << "expected AdminError";
    } catch (const AdminError& error) {
        EXPECT_NE(std::string(error.what()).find("cannot create topics"), std::string::npos) << error.what();
    }
    // Nothing to change: applying the table succeeds and reports only findings.
    const auto actions = admin.ApplyTopics(TopicTable({}, 3));
    EXPECT_TRUE(std::none_of(actions.begin(), actions.end(), [](const TopicAction& a) { return a.Changes(); }));
}

}  // namespace
}  // namespace cosmic::kafka
