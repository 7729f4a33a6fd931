// The topic table as desired state and the planner (pure; no cluster).

#include "cosmic/kafka/admin.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

namespace cosmic::kafka {
namespace {

TopicTableOptions Options(std::optional<int> replication, std::optional<int> min_insync, bool include_dlq = true) {
    TopicTableOptions options;
    options.replication_factor = replication;
    options.min_insync_replicas = min_insync;
    options.include_dlq = include_dlq;
    return options;
}

const TopicTableOptions kNoDlq = Options(std::nullopt, std::nullopt, false);

const DesiredTopic& Named(const std::vector<DesiredTopic>& table, const std::string& name) {
    auto it = std::find_if(table.begin(), table.end(), [&](const DesiredTopic& t) { return t.name == name; });
    EXPECT_NE(it, table.end()) << name;
    return *it;
}

ObservedTopic Observed(const DesiredTopic& want, int partitions, int replication) {
    ObservedTopic topic;
    topic.name = want.name;
    for (int p = 0; p < partitions; ++p) {
        PartitionState state;
        state.id = p;
        state.leader = 1;
        for (int r = 1; r <= replication; ++r) {
            state.replicas.push_back(r);
            state.isr.push_back(r);
        }
        topic.partitions.push_back(state);
    }
    topic.configs = want.configs;
    topic.configs["segment.bytes"] = "1073741824";  // configs outside the table are not drift
    topic.configs_known = true;
    return topic;
}

TEST(AdminTableTest, HasEveryTopicAndItsDlqWithTheTableSettings) {
    const auto table = TopicTable({}, 3);
    ASSERT_EQ(table.size(), 12U);
    const auto& lifecycle = Named(table, "job-lifecycle");
    EXPECT_EQ(lifecycle.partitions, 10);
    EXPECT_EQ(lifecycle.replication_factor, 3);
    EXPECT_EQ(lifecycle.configs.at("retention.ms"), "2592000000");
    EXPECT_EQ(lifecycle.configs.at("compression.type"), "gzip");
    EXPECT_EQ(lifecycle.configs.at("cleanup.policy"), "delete");
    EXPECT_EQ(lifecycle.configs.at("min.insync.replicas"), "2");
    EXPECT_EQ(Named(table, "job-metrics").partitions, 20);
    EXPECT_EQ(Named(table, "audit-trail").configs.at("retention.ms"), "7776000000");
    EXPECT_EQ(Named(table, "notifications").configs.at("retention.ms"), "604800000");

    const auto& dlq = Named(table, "job-metrics.dlq");
    EXPECT_EQ(dlq.partitions, 20);
    EXPECT_EQ(dlq.configs.at("retention.ms"), "2592000000");
    EXPECT_EQ(dlq.configs.at("compression.type"), "lz4");
}

TEST(AdminTableTest, DefaultsFitSmallClusters) {
    const auto table = TopicTable({}, 1);
    EXPECT_EQ(table.front().replication_factor, 1);
    EXPECT_EQ(table.front().configs.at("min.insync.replicas"), "1");
    EXPECT_EQ(TopicTable(kNoDlq, 5).size(), 6U);
}

TEST(AdminTableTest, RejectsImpossibleOptions) {
    EXPECT_THROW(TopicTable(Options(4, std::nullopt), 3), std::invalid_argument);
    EXPECT_THROW(TopicTable(Options(2, 3), 3), std::invalid_argument);
    EXPECT_THROW(TopicTable({}, 0), std::invalid_argument);
    EXPECT_EQ(TopicTable(Options(2, 1), 3).front().configs.at("min.insync.replicas"), "1");
}

TEST(AdminPlanTest, MissingTopicsAreCreated) {
    const auto table = TopicTable(kNoDlq, 3);
    const auto actions = PlanTopics(table, {});
    ASSERT_EQ(actions.size(), 6U);
    EXPECT_EQ(actions[0].kind, TopicActionKind::kCreate);
    EXPECT_TRUE(actions[0].Changes());
    EXPECT_EQ(actions[0].spec.name, "job-lifecycle");
    EXPECT_EQ(actions[0].Describe().rfind("job-lifecycle: create (10 partitions, replication 3", 0), 0U)
        << actions[0].Describe();
}

TEST(AdminPlanTest, MatchingClusterNeedsNothing) {
    const auto table = TopicTable({}, 3);
    std::vector<ObservedTopic> observed;
    for (const auto& want : table) {
        observed.push_back(Observed(want, want.partitions, 3));
    }
    EXPECT_TRUE(PlanTopics(table, observed).empty());
}

TEST(AdminPlanTest, FewerPartitionsAreAddedMoreAreReported) {
    const auto table = TopicTable(kNoDlq, 3);
    std::vector<ObservedTopic> observed;
    for (const auto& want : table) {
        observed.push_back(Observed(want, want.partitions, 3));
    }
    observed[0].partitions.resize(5);         // job-lifecycle: 5 of 10
    observed[1] = Observed(table[1], 25, 3);  // job-metrics: 25 of 20
    const auto actions = PlanTopics(table, observed);
    ASSERT_EQ(actions.size(), 2U);
    EXPECT_EQ(actions[0].kind, TopicActionKind::kAddPartitions);
    EXPECT_EQ(actions[0].partitions_from, 5);
    EXPECT_EQ(actions[0].partitions_to, 10);
    EXPECT_EQ(actions[0].Describe(), "job-lifecycle: partitions 5\u219210");
    EXPECT_EQ(actions[1].kind, TopicActionKind::kPartitionsAbove);
    EXPECT_FALSE(actions[1].Changes());
}

TEST(AdminPlanTest, ConfigAndReplicationDifferencesAreDrift) {
    const auto table = TopicTable(kNoDlq, 3);
    std::vector<ObservedTopic> observed;
    for (const auto& want : table) {
        observed.push_back(Observed(want, want.partitions, 3));
    }
    observed[3].configs["retention.ms"] = "604800000";
    observed[3].configs.erase("min.insync.replicas");
    observed[4] = Observed(table[4], table[4].partitions, 1);
    const auto actions = PlanTopics(table, observed);
    ASSERT_EQ(actions.size(), 3U);
    EXPECT_EQ(actions[0].kind, TopicActionKind::kConfigDrift);
    EXPECT_EQ(actions[0].Describe(), "audit-trail: drift: min.insync.replicas (unset) (table: 2)");
    EXPECT_EQ(actions[1].Describe(), "audit-trail: drift: retention.ms 604800000 (table: 7776000000)");
    EXPECT_EQ(actions[2].kind, TopicActionKind::kReplicationDrift);
    EXPECT_EQ(actions[2].Describe(), "system-health: drift: replication 1 (table: 3)");
    EXPECT_TRUE(std::none_of(actions.begin(), actions.end(), [](const TopicAction& a) { return a.Changes(); }));
}

TEST(AdminPlanTest, UnknownConfigsAreReportedNotGuessed) {
    const auto table = TopicTable(kNoDlq, 3);
    std::vector<ObservedTopic> observed;
    for (const auto& want : table) {
        observed.push_back(Observed(want, want.partitions, 3));
    }
    observed[2].configs.clear();
    observed[2].configs_known = false;
    observed[2].configs_error = "unsupported";
    const auto actions = PlanTopics(table, observed);
    ASSERT_EQ(actions.size(), 1U);
    EXPECT_EQ(actions[0].kind, TopicActionKind::kConfigsUnknown);
    EXPECT_EQ(actions[0].Describe(), "notifications: configs not checked: unsupported");
}

TEST(AdminPlanTest, TopicCreatedMomentsAgoByAnotherClientIsPlannedAgain) {
    const auto table = TopicTable(kNoDlq, 3);
    // Nothing existed at the describe: every topic is planned for creation.
    std::vector<TopicAction> actions = PlanTopics(table, {});
    ASSERT_EQ(actions.size(), table.size());
    // CreateTopics answered "already exists" for job-lifecycle (created with 4 of 10 partitions
    // and a shorter retention) and job-metrics (created exactly as the table says).
    ObservedTopic lifecycle = Observed(table[0], 4, 3);
    lifecycle.configs["retention.ms"] = "3600000";
    const std::vector<ObservedTopic> existing{lifecycle, Observed(table[1], table[1].partitions, 3)};

    const auto replanned = ReplanExisting(actions, table, existing);
    ASSERT_EQ(replanned.size(), table.size());  // job-lifecycle: partitions + drift; job-metrics: nothing
    EXPECT_EQ(replanned[0].kind, TopicActionKind::kAddPartitions);
    EXPECT_EQ(replanned[0].Describe(), "job-lifecycle: partitions 4\u219210");
    EXPECT_EQ(replanned[1].kind, TopicActionKind::kConfigDrift);
    EXPECT_EQ(replanned[1].topic, "job-lifecycle");
    EXPECT_EQ(replanned[1].config, "retention.ms");
    // The rest are still creates, in table order, and none of them is job-metrics.
    for (std::size_t i = 2; i < replanned.size(); ++i) {
        EXPECT_EQ(replanned[i].kind, TopicActionKind::kCreate) << replanned[i].Describe();
        EXPECT_NE(replanned[i].topic, "job-metrics");
        EXPECT_NE(replanned[i].topic, "job-lifecycle");
    }
}

TEST(AdminPlanTest, ReplanKeepsEverythingWhenNothingAlreadyExisted) {
    const auto table = TopicTable(kNoDlq, 3);
    const std::vector<TopicAction> actions = PlanTopics(table, {});
    const auto replanned = ReplanExisting(actions, table, {});
    ASSERT_EQ(replanned.size(), actions.size());
    for (std::size_t i = 0; i < actions.size(); ++i) {
        EXPECT_EQ(replanned[i].Describe(), actions[i].Describe());
    }
}

}  // namespace
}  // namespace cosmic::kafka
