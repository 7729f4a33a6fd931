// Runs the dev-broker binary: first stdout line, bootstrap file, Kafka traffic through it,
// the control API over HTTP, and a clean exit on SIGTERM.

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/wait.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

/// The first complete line of `path` once there is one; nullopt when none is written in time.
std::optional<std::string> FirstLine(const std::string& path) {
    std::string line;
    const bool complete = cosmic::testing::WaitUntil([&] {
        const std::string text = cosmic::testing::ReadFile(path);
        const std::size_t newline = text.find('\n');
        line = text.substr(0, newline);
        return newline != std::string::npos;
    });
    if (!complete) {
        return std::nullopt;
    }
    return line;
}

rd_kafka_t* NewClient(rd_kafka_type_t type, const std::string& bootstrap) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), error, sizeof(error));
    if (type == RD_KAFKA_CONSUMER) {
        rd_kafka_conf_set(conf, "group.id", "dev-broker-test", error, sizeof(error));
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof(error));
    }
    return rd_kafka_new(type, conf, error, sizeof(error));
}

class DevBrokerProcessTest : public ::testing::Test {
  protected:
    /// Starts the dev-broker with `args`; its stdout and stderr go to files in the test's directory.
    cosmic::testing::ChildProcess Start(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
        cosmic::testing::ProcessOptions options;
        options.binary = COSMIC_DEV_BROKER_BINARY;
        options.args = std::move(args);
        options.env = std::move(env);
        options.stdout_path = Stdout();
        options.stderr_path = dir_.File("stderr");
        return cosmic::testing::ChildProcess(std::move(options));
    }
    std::string Stdout() const { return dir_.File("stdout"); }

    cosmic::testing::TempDir dir_{"dev-broker-test"};
};

TEST_F(DevBrokerProcessTest, ServesKafkaAndTheControlApiAndStopsCleanly) {
    const std::string bootstrap_file = dir_.File("bootstrap");
    const std::string port_file = dir_.File("port");
    cosmic::testing::ChildProcess child =
        Start({"--brokers", "2", "--bootstrap-file", bootstrap_file, "--control-port", "0"},
              {{"COSMIC_PORT_FILE", port_file}});

    const auto first = FirstLine(Stdout());
    ASSERT_TRUE(first.has_value()) << "no bootstrap line";
    EXPECT_EQ(first->rfind("127.0.0.1:", 0), 0U) << *first;
    EXPECT_EQ(std::count(first->begin(), first->end(), ','), 1) << "two brokers: " << *first;
    EXPECT_EQ(FirstLine(bootstrap_file), *first);
    const cosmic::testing::HttpClient control(std::stoi(FirstLine(port_file).value_or("0")));

    // Produce and read back one record on a table topic.
    rd_kafka_t* producer = NewClient(RD_KAFKA_PRODUCER, *first);
    ASSERT_NE(producer, nullptr);
    ASSERT_EQ(rd_kafka_producev(producer, RD_KAFKA_V_TOPIC("job-lifecycle"), RD_KAFKA_V_PARTITION(3),
                                RD_KAFKA_V_KEY("job-1", 5), RD_KAFKA_V_VALUE(const_cast<char*>("{}"), 2),
                                RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
              RD_KAFKA_RESP_ERR_NO_ERROR);
    EXPECT_EQ(rd_kafka_flush(producer, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(producer);

    rd_kafka_t* consumer = NewClient(RD_KAFKA_CONSUMER, *first);
    ASSERT_NE(consumer, nullptr);
    rd_kafka_poll_set_consumer(consumer);
    rd_kafka_topic_partition_list_t* assignment = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(assignment, "job-lifecycle", 3)->offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(consumer, assignment);
    rd_kafka_topic_partition_list_destroy(assignment);
    std::string key;
    const auto deadline = Clock::now() + 30s;
    while (key.empty() && Clock::now() < deadline) {
        if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 100)) {
            if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR && message->key != nullptr) {
                key.assign(static_cast<const char*>(message->key), message->key_len);
            }
            rd_kafka_message_destroy(message);
        }
    }
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    EXPECT_EQ(key, "job-1");

    // Fault injection over HTTP.
    EXPECT_EQ(control.Call("POST", "/brokers/2/down").status, 200);
    const auto status = control.Get("/status");
    EXPECT_EQ(status.status, 200);
    EXPECT_NE(status.body.find(R"("down":[2])"), std::string::npos) << status.body;
    EXPECT_EQ(control.Call("POST", "/brokers/2/up").status, 200);
    EXPECT_EQ(control.Call("POST", "/brokers/7/down").status, 404);
    EXPECT_EQ(control.Call("POST", "/brokers/1/rtt?ms=5").status, 200);
    EXPECT_EQ(control.Post("/errors", R"({"api":"Produce","errors":["NOT_LEADER_FOR_PARTITION"],"count":2})").status,
              200);

    child.Signal(SIGTERM);
    EXPECT_EQ(child.Wait(30s), std::optional<int>(0));
    EXPECT_FALSE(std::filesystem::exists(bootstrap_file));
}

TEST_F(DevBrokerProcessTest, SigintAlsoStopsCleanly) {
    cosmic::testing::ChildProcess child = Start({"--brokers", "1"});
    ASSERT_TRUE(FirstLine(Stdout()).has_value());
    child.Signal(SIGINT);
    EXPECT_EQ(child.Wait(30s), std::optional<int>(0));
}

TEST_F(DevBrokerProcessTest, BadArgumentsExitWithStatusTwo) {
    cosmic::testing::ChildProcess child = Start({"--brokers", "zero"});
    EXPECT_EQ(child.Wait(30s), std::optional<int>(2));
}

}  // namespace
