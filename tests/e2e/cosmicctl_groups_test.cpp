// `cosmicctl groups list|describe` and `offsets reset` on the real cluster (the mock cluster has
// no ListGroups/DescribeGroups and no ListOffsets by timestamp): a consumer in a group shows up
// with its state, client id, assignment and lag; a reset is refused while it is a member; once
// it left, a reset to a time commits the first offset at or after it, and a dry run commits nothing.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "support/admin_client.hpp"
#include "support/broker_control.hpp"
#include "support/e2e_env.hpp"

namespace cosmic::e2e {
namespace {

using std::chrono::seconds;

constexpr int kPartitions = 3;
constexpr std::int64_t kOld = 1700000000000;       // 2023-11-14T22:13:20Z
constexpr std::int64_t kNew = kOld + 3600 * 1000;  // 2023-11-14T23:13:20Z
constexpr const char* kNewText = "2023-11-14T23:13:20Z";

using Handle = std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)>;

Handle NewClient(rd_kafka_type_t type, const std::map<std::string, std::string>& properties) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
            throw std::runtime_error(name + ": " + error);
        }
    }
    rd_kafka_t* rk = rd_kafka_new(type, conf, error, sizeof(error));
    if (rk == nullptr) throw std::runtime_error(error);
    return Handle(rk, [](rd_kafka_t* handle) { rd_kafka_destroy(handle); });
}

/// {exit status, output} of one cosmicctl run.
std::pair<int, std::string> Cosmicctl(const std::filesystem::path& dir, std::vector<std::string> args) {
    static int run = 0;
    const auto log = dir / ("cosmicctl-" + std::to_string(++run) + ".log");
    std::vector<std::string> argv = {BinaryPath("cosmicctl").string(), "--bootstrap", Cluster().bootstrap, "--timeout",
                                     "30"};
    argv.insert(argv.end(), args.begin(), args.end());
    const int status = RunCommand(argv, log);
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    return {status, text.str()};
}

/// The whitespace-separated fields of the first line starting with `first` (and `second`).
std::vector<std::string> Row(const std::string& text, const std::string& first, const std::string& second = "") {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        std::istringstream words(line);
        std::vector<std::string> fields;
        for (std::string word; words >> word;) fields.push_back(word);
        if (!fields.empty() && fields[0] == first && (second.empty() || (fields.size() > 1 && fields[1] == second))) {
            return fields;
        }
    }
    return {};
}

TEST(CosmicctlGroupsE2E, ListDescribeAndResetOnlyWhenInactive) {
    if (!Cluster().real) GTEST_SKIP() << "the dev-broker (mock cluster) has no ListGroups/DescribeGroups";
    if (BinaryPath("cosmicctl").empty()) GTEST_SKIP() << "cosmicctl is not built";
    const auto dir = FreshRunDir("cosmicctl_groups");
    const std::string topic = "ctl-groups-" + std::to_string(::getpid());
    const std::string group = topic + "-group";
    AdminClient admin(Cluster().bootstrap);
    // Records carry 2023 timestamps: no time-based retention may delete them.
    ASSERT_NO_THROW(admin.CreateTopic(topic, kPartitions, 3, {{"retention.ms", "-1"}}));

    // Ten records per partition: five at kOld, five at kNew.
    {
        Handle producer = NewClient(RD_KAFKA_PRODUCER, {{"bootstrap.servers", Cluster().bootstrap}, {"acks", "all"}});
        for (int partition = 0; partition < kPartitions; ++partition) {
            for (int i = 0; i < 10; ++i) {
                const std::string value = "v" + std::to_string(i);
                ASSERT_EQ(
                    rd_kafka_producev(producer.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                                      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                      RD_KAFKA_V_TIMESTAMP(i < 5 ? kOld : kNew), RD_KAFKA_V_END),
                    RD_KAFKA_RESP_ERR_NO_ERROR);
            }
        }
        ASSERT_EQ(rd_kafka_flush(producer.get(), 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    }

    // One member consumes everything and commits.
    Handle consumer = NewClient(RD_KAFKA_CONSUMER, {{"bootstrap.servers", Cluster().bootstrap},
                                                    {"group.id", group},
                                                    {"client.id", "ctl-groups-e2e"},
                                                    {"auto.offset.reset", "earliest"},
                                                    {"enable.auto.commit", "false"}});
    rd_kafka_poll_set_consumer(consumer.get());
    {
        rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
        rd_kafka_topic_partition_list_add(topics, topic.c_str(), RD_KAFKA_PARTITION_UA);
        ASSERT_EQ(rd_kafka_subscribe(consumer.get(), topics), RD_KAFKA_RESP_ERR_NO_ERROR);
        rd_kafka_topic_partition_list_destroy(topics);
    }
    int consumed = 0;
    ASSERT_TRUE(WaitUntil(
        [&] {
            while (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer.get(), 100)) {
                if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++consumed;
                rd_kafka_message_destroy(message);
            }
            return consumed == 10 * kPartitions;
        },
        seconds(60)))
        << consumed << " records consumed";
    ASSERT_EQ(rd_kafka_commit(consumer.get(), nullptr, 0), RD_KAFKA_RESP_ERR_NO_ERROR);

    // groups list: the group, Stable, one member.
    auto [status, out] = Cosmicctl(dir, {"groups", "list"});
    ASSERT_EQ(status, 0) << out;
    const auto listed = Row(out, group);
    ASSERT_EQ(listed.size(), 4u) << out;
    EXPECT_EQ(listed[1], "Stable") << out;
    EXPECT_EQ(listed[2].rfind("consumer/", 0), 0u) << out;
    EXPECT_EQ(listed[3], "1") << out;

    // groups describe: state, the member's client id and assignment, committed/high/lag per partition.
    std::tie(status, out) = Cosmicctl(dir, {"groups", "describe", group});
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(Row(out, "state"), (std::vector<std::string>{"state", "Stable"})) << out;
    EXPECT_EQ(Row(out, "members"), (std::vector<std::string>{"members", "1"})) << out;
    // The member row: MEMBER CLIENT-ID HOST PARTITIONS ASSIGNMENT (member ids start with the client id).
    std::string member_id;
    {
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);) {
            std::istringstream words(line);
            std::vector<std::string> fields;
            for (std::string word; words >> word;) fields.push_back(word);
            if (fields.size() == 5 && fields[1] == "ctl-groups-e2e") {
                member_id = fields[0];
                EXPECT_EQ(fields[3], "3") << line;
                EXPECT_EQ(fields[4], topic + ":0,1,2") << line;
            }
        }
    }
    ASSERT_FALSE(member_id.empty()) << out;
    for (int partition = 0; partition < kPartitions; ++partition) {
        EXPECT_EQ(Row(out, topic, std::to_string(partition)),
                  (std::vector<std::string>{topic, std::to_string(partition), "10", "10", "0", member_id}))
            << out;
    }
    EXPECT_EQ(Row(out, "TOTAL"), (std::vector<std::string>{"TOTAL", "0"})) << out;

    // A reset is refused while the member is in the group, and nothing moves.
    std::tie(status, out) = Cosmicctl(dir, {"offsets", "reset", "--group", group, "--to", "earliest", "--execute"});
    EXPECT_EQ(status, 1) << out;
    EXPECT_NE(out.find("refused: group '" + group + "' is Stable with 1 active member(s)"), std::string::npos) << out;

    // The member leaves; the group becomes Empty.
    rd_kafka_consumer_close(consumer.get());
    consumer.reset();
    ASSERT_TRUE(WaitUntil(
        [&] {
            auto [code, text] = Cosmicctl(dir, {"groups", "describe", group});
            return code == 0 && Row(text, "state") == std::vector<std::string>{"state", "Empty"};
        },
        seconds(60), std::chrono::milliseconds(500)));

    // Dry run: the plan, nothing committed.
    std::tie(status, out) =
        Cosmicctl(dir, {"offsets", "reset", "--group", group, "--to", std::string("datetime=") + kNewText});
    ASSERT_EQ(status, 0) << out;
    EXPECT_EQ(Row(out, topic, "1"), (std::vector<std::string>{topic, "1", "10", "5", "0", "10"})) << out;
    EXPECT_NE(out.find("dry run: nothing committed"), std::string::npos) << out;
    std::tie(status, out) = Cosmicctl(dir, {"lag", "--group", group, "--topic", topic});
    EXPECT_EQ(Row(out, "TOTAL"), (std::vector<std::string>{"TOTAL", "0"})) << out;

    // --execute: each partition's first record at kNew is offset 5.
    std::tie(status, out) = Cosmicctl(
        dir, {"offsets", "reset", "--group", group, "--to", std::string("datetime=") + kNewText, "--execute"});
    ASSERT_EQ(status, 0) << out;
    EXPECT_NE(out.find("committed 3 offset(s)"), std::string::npos) << out;
    std::tie(status, out) = Cosmicctl(dir, {"lag", "--group", group, "--topic", topic});
    ASSERT_EQ(status, 0) << out;
    for (int partition = 0; partition < kPartitions; ++partition) {
        EXPECT_EQ(Row(out, topic, std::to_string(partition)),
                  (std::vector<std::string>{topic, std::to_string(partition), "5", "10", "5"}))
            << out;
    }

    // One partition to an explicit offset.
    std::tie(status, out) = Cosmicctl(
        dir, {"offsets", "reset", "--group", group, "--to", "offset=2", "--topic", topic + ":2", "--execute"});
    ASSERT_EQ(status, 0) << out;
    std::tie(status, out) = Cosmicctl(dir, {"lag", "--group", group, "--topic", topic});
    EXPECT_EQ(Row(out, topic, "2"), (std::vector<std::string>{topic, "2", "2", "10", "8"})) << out;
    EXPECT_EQ(Row(out, topic, "0"), (std::vector<std::string>{topic, "0", "5", "10", "5"})) << out;

    admin.DeleteTopic(topic);
}

}  // namespace
}  // namespace cosmic::e2e
