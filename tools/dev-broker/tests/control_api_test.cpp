// The control API's handlers called directly on a mock cluster (no HTTP in between).

#include "control_api.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "cosmic/kafka/admin.hpp"
#include "dev_broker.hpp"

namespace cosmic::dev_broker {
namespace {

using telemetry::HttpRequest;

HttpRequest Request(std::vector<std::pair<std::string, std::string>> params, std::string query = "",
                    std::string body = "") {
    HttpRequest request;
    request.method = "POST";
    request.path_params = std::move(params);
    request.query = std::move(query);
    request.body = std::move(body);
    return request;
}

class ControlApiTest : public ::testing::Test {
  protected:
    kafka::MockCluster cluster_{2};
    ControlApi api_{cluster_};
};

TEST_F(ControlApiTest, BrokersGoDownAndUpAndShowInStatus) {
    auto down = api_.BrokerDown(Request({{"id", "2"}}));
    EXPECT_EQ(down.status, 200);
    EXPECT_EQ(down.body, R"({"broker":2,"state":"down"})");
    EXPECT_NE(api_.Status(Request({})).body.find(R"("down":[2])"), std::string::npos);
    EXPECT_EQ(api_.BrokerUp(Request({{"id", "2"}})).status, 200);
    EXPECT_NE(api_.Status(Request({})).body.find(R"("down":[])"), std::string::npos);
}

TEST_F(ControlApiTest, UnknownOrMalformedBrokersAreClientErrors) {
    EXPECT_EQ(api_.BrokerDown(Request({{"id", "3"}})).status, 404);
    EXPECT_EQ(api_.BrokerDown(Request({{"id", "x"}})).status, 400);
    EXPECT_EQ(api_.BrokerRtt(Request({{"id", "1"}})).status, 400);
    EXPECT_EQ(api_.BrokerRtt(Request({{"id", "1"}}, "ms=-5")).status, 400);
    auto rtt = api_.BrokerRtt(Request({{"id", "1"}}, "ms=50"));
    EXPECT_EQ(rtt.status, 200);
    EXPECT_EQ(rtt.body, R"({"broker":1,"rtt_ms":50})");
}

TEST_F(ControlApiTest, QueuesErrorsByNameOrCodeRepeatedCountTimes) {
    auto pushed =
        api_.PushErrors(Request({}, "", R"({"api":"Produce","errors":["NOT_LEADER_FOR_PARTITION",7],"count":3})"));
    EXPECT_EQ(pushed.status, 200) << pushed.body;
    EXPECT_EQ(pushed.body, R"({"api":"Produce","queued":6})");
    EXPECT_EQ(api_.ClearErrors(Request({{"api", "produce"}})).status, 200);
}

TEST_F(ControlApiTest, RejectsMalformedErrorRequests) {
    EXPECT_EQ(api_.PushErrors(Request({}, "", "not json")).status, 400);
    EXPECT_EQ(api_.PushErrors(Request({}, "", R"({"api":"Nope","errors":[1]})")).status, 400);
    EXPECT_EQ(api_.PushErrors(Request({}, "", R"({"api":"Fetch","errors":[]})")).status, 400);
    EXPECT_EQ(api_.PushErrors(Request({}, "", R"({"api":"Fetch","errors":["NO_SUCH_ERROR"]})")).status, 400);
    EXPECT_EQ(api_.PushErrors(Request({}, "", R"({"api":"Fetch","errors":[6],"count":0})")).status, 400);
    EXPECT_EQ(api_.ClearErrors(Request({{"api", "Nope"}})).status, 400);
}

TEST_F(ControlApiTest, CreatesTopicsTheClusterThenReports) {
    auto created = api_.CreateTopic(Request({}, "", R"({"name":"extra","partitions":4,"replication":2})"));
    EXPECT_EQ(created.status, 201) << created.body;
    EXPECT_EQ(api_.CreateTopic(Request({}, "", R"({"name":"bad","partitions":4,"replication":3})")).status, 400);
    EXPECT_EQ(api_.CreateTopic(Request({}, "", R"({"partitions":4})")).status, 400);

    kafka::ClientConfig config;
    config.properties["bootstrap.servers"] = cluster_.Bootstraps();
    kafka::Admin admin(config, std::chrono::seconds(10));
    const auto topics = admin.DescribeTopics({"extra"});
    ASSERT_EQ(topics.size(), 1U);
    EXPECT_EQ(topics[0].partitions.size(), 4U);
    EXPECT_EQ(topics[0].ReplicationFactor(), 2);

    EXPECT_EQ(api_.SetLeader(Request({{"topic", "extra"}, {"partition", "1"}}, "broker=2")).status, 200);
    EXPECT_EQ(api_.SetLeader(Request({{"topic", "extra"}, {"partition", "1"}}, "broker=9")).status, 404);
}

TEST(DevBrokerFileTest, WritesAtomicallyAndReplaces) {
    const auto path =
        (std::filesystem::temp_directory_path() / ("dev-broker-file-" + std::to_string(::getpid()))).string();
    WriteFileAtomically(path, "a:1\n");
    WriteFileAtomically(path, "b:2\n");
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "b:2");
    std::remove(path.c_str());
    EXPECT_THROW(WriteFileAtomically("/nonexistent-dir/x", "y"), std::runtime_error);
}

}  // namespace
}  // namespace cosmic::dev_broker
