#include "cosmic/service/runtime.hpp"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/http_client.hpp"
#include "test_util.hpp"

namespace cosmic::service {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

/// What the components did, in order.
class Journal {
  public:
    void Record(std::string event) {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(event));
    }
    std::vector<std::string> Events() const {
        std::lock_guard lock(mutex_);
        return events_;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<std::string> events_;
};

class RecordingComponent : public Component {
  public:
    RecordingComponent(std::string name, Journal& journal, bool fail_start = false, bool fail_stop = false)
        : name_(std::move(name)), journal_(journal), fail_start_(fail_start), fail_stop_(fail_stop) {}
    std::string_view Name() const override { return name_; }
    void Start() override {
        journal_.Record("start " + name_);
        if (fail_start_) throw std::runtime_error("disk full");
    }
    void Stop(Clock::time_point deadline) override {
        journal_.Record("stop " + name_);
        deadlines.push_back(deadline);
        if (fail_stop_) throw std::runtime_error("flush failed");
    }
    std::vector<Clock::time_point> deadlines;

  private:
    std::string name_;
    Journal& journal_;
    bool fail_start_;
    bool fail_stop_;
};

Config TestConfig(const testing::TempDir& dir, const Environment& extra = {}) {
    ConfigSchema schema;
    DeclareCommonKeys(schema);
    Environment env = {{"COSMIC_HTTP_PORT", "0"},
                       {"COSMIC_HTTP_BIND", "127.0.0.1"},
                       {"COSMIC_PORT_FILE", dir.File("port")},
                       {"KAFKA_ENABLED", "false"}};
    for (const auto& [name, value] : extra) {
        env[name] = value;
    }
    return Config::Load(schema, "", env);
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(RuntimeTest, StartsInOrderServesHttpAndStopsInReverse) {
    testing::TempDir dir;
    Journal journal;
    Runtime runtime("runtime-test", TestConfig(dir));
    runtime.Emplace<RecordingComponent>("store", journal);
    RecordingComponent consumer("consumer", journal);
    runtime.Add(consumer);
    runtime.Emplace<RecordingComponent>("relay", journal);
    runtime.Http().Route("GET", "/api/v1/ping", [&](const telemetry::HttpRequest&) {
        journal.Record("ping");
        return telemetry::HttpResponse::Json(200, R"({"pong":true})");
    });

    int exit_code = -1;
    std::thread runner([&] { exit_code = runtime.Run(); });
    ASSERT_TRUE(runtime.WaitUntilRunning(Clock::now() + std::chrono::seconds(30)));

    const int port = runtime.HttpPort();
    ASSERT_GT(port, 0);
    EXPECT_EQ(ReadFile(dir.File("port")), std::to_string(port) + "\n");
    EXPECT_EQ(cosmic::testing::HttpClient(port).Get("/api/v1/ping").status, 200);
    const cosmic::testing::HttpResponse metrics = cosmic::testing::HttpClient(port).Get("/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_THAT(metrics.body, HasSubstr("cosmic_build_info{"));
    EXPECT_THAT(metrics.body, HasSubstr(R"(service="runtime-test")"));

    const auto requested = Clock::now();
    runtime.RequestStop();
    runner.join();
    EXPECT_EQ(exit_code, kExitOk);
    EXPECT_THAT(journal.Events(), ElementsAre("start store", "start consumer", "start relay", "ping", "stop relay",
                                              "stop consumer", "stop store"));
    // One shared deadline for the whole shutdown, shutdown.deadline_ms after the stop began.
    ASSERT_EQ(consumer.deadlines.size(), 1U);
    EXPECT_GE(consumer.deadlines[0] - requested, std::chrono::milliseconds(10000));
    EXPECT_FALSE(std::filesystem::exists(dir.File("port")));
    EXPECT_EQ(cosmic::testing::HttpClient(port).Get("/healthz").status, 0);  // no longer listening
}

TEST(RuntimeTest, FailureMidStartStopsStartedComponentsInReverse) {
    testing::TempDir dir;
    Journal journal;
    Runtime runtime("runtime-test", TestConfig(dir));
    runtime.Emplace<RecordingComponent>("store", journal);
    runtime.Emplace<RecordingComponent>("producer", journal);
    runtime.Emplace<RecordingComponent>("consumer", journal, /*fail_start=*/true);
    runtime.Emplace<RecordingComponent>("relay", journal);

    EXPECT_EQ(runtime.Run(), kExitFailure);
    EXPECT_THAT(journal.Events(),
                ElementsAre("start store", "start producer", "start consumer", "stop producer", "stop store"));
    EXPECT_FALSE(runtime.WaitUntilRunning(Clock::now()));
    EXPECT_FALSE(std::filesystem::exists(dir.File("port")));
}

TEST(RuntimeTest, StopRequestedBeforeRunStartsNothing) {
    testing::TempDir dir;
    Journal journal;
    Runtime runtime("runtime-test", TestConfig(dir));
    runtime.Emplace<RecordingComponent>("store", journal);
    runtime.RequestStop();
    EXPECT_EQ(runtime.Run(), kExitOk);
    EXPECT_TRUE(journal.Events().empty());
    EXPECT_THROW(runtime.Run(), std::logic_error);
}

TEST(RuntimeTest, StopRequestedDuringStartupSkipsTheRest) {
    testing::TempDir dir;
    Journal journal;
    Runtime runtime("runtime-test", TestConfig(dir));
    runtime.Emplace<RecordingComponent>("store", journal);
    runtime.Emplace<FunctionComponent>(
        "slow",
        [&] {
            journal.Record("start slow");
            runtime.RequestStop();
        },
        [&](Clock::time_point) { journal.Record("stop slow"); });
    runtime.Emplace<RecordingComponent>("relay", journal);
    EXPECT_EQ(runtime.Run(), kExitOk);
    EXPECT_THAT(journal.Events(), ElementsAre("start store", "start slow", "stop slow", "stop store"));
}

TEST(RuntimeTest, FailedStopStillStopsTheRestAndExitsNonZero) {
    testing::TempDir dir;
    Journal journal;
    Runtime runtime("runtime-test", TestConfig(dir));
    runtime.Emplace<RecordingComponent>("store", journal);
    runtime.Emplace<RecordingComponent>("consumer", journal, false, /*fail_stop=*/true);
    runtime.Emplace<FunctionComponent>(
        "last", [&] { runtime.RequestStop(); }, nullptr);
    EXPECT_EQ(runtime.Run(), kExitFailure);
    EXPECT_THAT(journal.Events(), ElementsAre("start store", "start consumer", "stop consumer", "stop store"));
}

TEST(RuntimeTest, HttpBindFailureStopsComponents) {
    testing::TempDir dir;
    // Hold a listening socket so the runtime's bind to the same port fails.
    const int holder = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(holder, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(holder, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
    ASSERT_EQ(listen(holder, 1), 0);
    socklen_t length = sizeof(address);
    ASSERT_EQ(getsockname(holder, reinterpret_cast<sockaddr*>(&address), &length), 0);
    const std::string port = std::to_string(ntohs(address.sin_port));

    Journal journal;
    Runtime runtime("runtime-test", TestConfig(dir, {{"COSMIC_HTTP_PORT", port}}));
    runtime.Emplace<RecordingComponent>("store", journal);
    EXPECT_EQ(runtime.Run(), kExitFailure);
    close(holder);
    EXPECT_THAT(journal.Events(), ElementsAre("start store", "stop store"));
    EXPECT_FALSE(std::filesystem::exists(dir.File("port")));
}

TEST(RuntimeTest, AuthRequiresTheTokensFileKey) {
    testing::TempDir dir;
    Runtime unset("runtime-test", TestConfig(dir));
    try {
        unset.Auth();
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.Key(), "auth.tokens_file");
        EXPECT_THAT(error.what(), HasSubstr("COSMIC_TOKENS_FILE"));
    }

    Runtime missing("runtime-test", TestConfig(dir, {{"COSMIC_TOKENS_FILE", dir.File("absent.json")}}));
    try {
        missing.Auth();
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_EQ(error.Key(), "auth.tokens_file");
        EXPECT_THAT(error.what(), HasSubstr("absent.json"));
    }

    const std::string tokens = dir.Write("tokens.json", R"({"tokens":[{"sha256":")" + Authenticator::HashHex("t") +
                                                            R"(","user_id":"u","roles":["user"]}]})");
    Runtime present("runtime-test", TestConfig(dir, {{"COSMIC_TOKENS_FILE", tokens}}));
    const auto auth = present.Auth();
    EXPECT_EQ(auth->Size(), 1U);
    EXPECT_EQ(present.Auth(), auth);  // loaded once
}

}  // namespace
}  // namespace cosmic::service
