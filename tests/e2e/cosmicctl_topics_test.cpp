// `cosmicctl topics apply` on the real cluster: the fixture's run on the fresh cluster created
// every table topic with its partitions, replication and configs; a second run changes nothing;
// a topic with too few partitions gets them; a config that differs is reported, not changed.

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "cosmic/schema/topics.hpp"
#include "support/admin_client.hpp"
#include "support/broker_control.hpp"
#include "support/e2e_env.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::seconds;

struct TableTopic {
    std::string name;
    int partitions = 0;
    std::map<std::string, std::string> configs;
};

/// The table as cluster.sh applies it: replication 3, min.insync.replicas 2, with the DLQs.
std::vector<TableTopic> Table() {
    std::vector<TableTopic> topics;
    for (const auto& spec : schema::AllTopics()) {
        const auto configs = [&](std::chrono::milliseconds retention) {
            return std::map<std::string, std::string>{{"retention.ms", std::to_string(retention.count())},
                                                      {"compression.type", std::string(spec.compression)},
                                                      {"cleanup.policy", "delete"},
                                                      {"min.insync.replicas", "2"}};
        };
        topics.push_back({std::string(spec.name), spec.partitions, configs(spec.retention)});
        topics.push_back({schema::DlqTopicName(spec.name), spec.partitions, configs(schema::kDlqRetention)});
    }
    return topics;
}

std::string ReadFile(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

/// True when every broker of the bootstrap list reports `topic` with `partitions` partitions: a
/// topic just created or changed reaches the brokers' metadata caches one by one, and a client
/// asking a broker that lags would see the old state.
bool EveryBrokerSees(const std::string& topic, int partitions) {
    std::stringstream list(Cluster().bootstrap);
    std::string broker;
    while (std::getline(list, broker, ',')) {
        // A fresh client asks its only bootstrap broker first.
        AdminClient one(broker, std::chrono::seconds(10));
        try {
            if (one.Describe(topic).partitions != partitions) return false;
        } catch (const std::runtime_error&) {
            return false;  // not there yet
        }
    }
    return true;
}

/// Runs `cosmicctl topics apply --replication 3 --min-insync 2`; returns {exit status, output}.
std::pair<int, std::string> Apply(const std::filesystem::path& run_dir, int run) {
    const auto log = run_dir / ("apply-" + std::to_string(run) + ".log");
    const int status = RunCommand({BinaryPath("cosmicctl").string(), "--bootstrap", Cluster().bootstrap, "--timeout",
                                   "60", "topics", "apply", "--replication", "3", "--min-insync", "2"},
                                  log);
    return {status, ReadFile(log)};
}

TEST(CosmicctlTopicsE2E, ApplyCreatesTheTableAddsPartitionsAndReportsDrift) {
    if (!Cluster().real) {
        GTEST_SKIP() << "the dev-broker creates the table itself and has no CreateTopics";
    }
    if (BinaryPath("cosmicctl").empty()) {
        GTEST_SKIP() << "cosmicctl is not built";
    }
    const auto run_dir = FreshRunDir("cosmicctl_topics");
    AdminClient admin(Cluster().bootstrap);
    const auto table = Table();

    // 1. The fixture ran apply on the fresh cluster: every topic created, as the table says.
    const std::string first = ReadFile(Cluster().dir / "topics-apply.log");
    for (const auto& topic : table) {
        EXPECT_NE(first.find("done     " + topic.name + ": create ("), std::string::npos)
            << topic.name << " not created by the fixture's apply:\n"
            << first;
        TopicState state = admin.Describe(topic.name);
        EXPECT_EQ(state.partitions, topic.partitions) << topic.name;
        EXPECT_EQ(state.replication, 3) << topic.name;
        for (const auto& [key, value] : topic.configs) {
            EXPECT_EQ(state.configs[key], value) << topic.name << " " << key;
        }
    }

    // 2. A second run changes nothing.
    auto [status, out] = Apply(run_dir, 2);
    EXPECT_EQ(status, 0) << out;
    EXPECT_EQ(out.find("done "), std::string::npos) << out;
    EXPECT_NE(out.find("topics match the table (12 topics)"), std::string::npos) << out;

    // 3. A table topic with fewer partitions and another retention: the partitions are added,
    //    the retention is reported and left alone. system-health.dlq: no test writes to it.
    const TableTopic& victim = table.at(9);
    ASSERT_EQ(victim.name, "system-health.dlq");
    ASSERT_NO_THROW(admin.DeleteTopic(victim.name));
    auto drifted = victim.configs;
    drifted["retention.ms"] = "3600000";
    // The controller may still be finishing the deletion: retry the create until it is accepted.
    std::string create_error;
    ASSERT_TRUE(WaitUntil(
        [&] {
            try {
                admin.CreateTopic(victim.name, 1, 3, drifted);
                return true;
            } catch (const std::runtime_error& error) {
                create_error = error.what();
                return false;
            }
        },
        seconds(60), std::chrono::milliseconds(500)))
        << create_error;
    ASSERT_TRUE(WaitUntil([&] { return EveryBrokerSees(victim.name, 1); }, seconds(30)))
        << "the recreated topic did not reach every broker's metadata";
    std::tie(status, out) = Apply(run_dir, 3);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("done     system-health.dlq: partitions 1\u21923"), std::string::npos) << out;
    EXPECT_NE(out.find("finding  system-health.dlq: drift: retention.ms 3600000 (table: 2592000000)"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("1 change(s) applied"), std::string::npos) << out;
    // Metadata catches up with the new partitions shortly after the request returned.
    EXPECT_TRUE(WaitUntil([&] { return EveryBrokerSees(victim.name, victim.partitions); }, seconds(30)));
    EXPECT_EQ(admin.Describe(victim.name).configs["retention.ms"], "3600000") << "apply changed a drifted config";

    // Put the table's configs back so the cluster matches the table again.
    ASSERT_NO_THROW(admin.SetTopicConfigs(victim.name, victim.configs));
    std::tie(status, out) = Apply(run_dir, 4);
    EXPECT_EQ(status, 0) << out;
    EXPECT_NE(out.find("topics match the table (12 topics)"), std::string::npos) << out;
    EXPECT_EQ(out.find("finding"), std::string::npos) << out;
}

}  // namespace
}  // namespace cosmic::e2e
