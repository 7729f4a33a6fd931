// Runs a real service binary (service_test_main) as a child process: exit codes, the one-line
// config error on stderr, --help/--version, and the SIGTERM lifecycle.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "cosmic/service/runtime.hpp"
#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/wait.hpp"
#include "test_util.hpp"

namespace cosmic::service {
namespace {

using cosmic::testing::CommandResult;
using cosmic::testing::ReadFile;
using cosmic::testing::WaitUntil;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Variables = std::map<std::string, std::string>;

/// The binary with a hermetic environment: only `env`, what a process needs to run at all and
/// the sanitizer options.
cosmic::testing::ProcessOptions Binary(std::vector<std::string> args, Variables env) {
    cosmic::testing::ProcessOptions options;
    options.binary = COSMIC_SERVICE_TEST_MAIN;
    options.args = std::move(args);
    options.env = std::move(env);
    return options;
}

/// Runs the binary to completion with stdout and stderr captured.
CommandResult RunToEnd(std::vector<std::string> args, Variables env) {
    return cosmic::testing::RunCommand(Binary(std::move(args), std::move(env)));
}

/// A running child whose stdout (the JSON log) and stderr go to files in `dir`.
class RunningChild {
  public:
    RunningChild(const testing::TempDir& dir, Variables env)
        : out_(dir.File("stdout")), err_(dir.File("stderr")), child_(Options(out_, err_, std::move(env))) {}

    /// Waits until a log line contains `text`: the child's own progress is the condition.
    ::testing::AssertionResult WaitForLine(const std::string& text) const {
        return WaitUntil([&] { return Log().find(text) != std::string::npos; });
    }
    void Signal(int signal_number) { child_.Signal(signal_number); }
    int Wait() { return child_.Wait(std::chrono::seconds(60)).value_or(-1); }
    std::string Log() const { return ReadFile(out_); }

  private:
    static cosmic::testing::ProcessOptions Options(const std::string& out, const std::string& err, Variables env) {
        cosmic::testing::ProcessOptions options = Binary({}, std::move(env));
        options.stdout_path = out;
        options.stderr_path = err;
        return options;
    }

    std::string out_;
    std::string err_;
    cosmic::testing::ChildProcess child_;
};

TEST(ProcessTest, BadEnvironmentValueExitsTwoNamingKeyAndVariable) {
    const CommandResult result = RunToEnd({}, {{"COSMIC_HTTP_PORT", "banana"}});
    EXPECT_EQ(result.exit_status, kExitConfigError);
    EXPECT_THAT(result.err, AllOf(HasSubstr("http.port"), HasSubstr("COSMIC_HTTP_PORT"), HasSubstr("banana")));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(ProcessTest, UnknownFileKeyExitsTwoNamingKeyAndFile) {
    testing::TempDir dir;
    const std::string config = dir.Write("config.json", R"({"test": {"answr": 7}})");
    const CommandResult result = RunToEnd({"--config", config}, {});
    EXPECT_EQ(result.exit_status, kExitConfigError);
    EXPECT_THAT(result.err, AllOf(HasSubstr("test.answr"), HasSubstr(config), HasSubstr("did you mean test.answer")));
}

TEST(ProcessTest, RejectedKafkaPropertyExitsTwo) {
    const CommandResult result = RunToEnd({}, {{"KAFKA_ACKS", "banana"}});
    EXPECT_EQ(result.exit_status, kExitConfigError);
    EXPECT_THAT(result.err, AllOf(HasSubstr("acks"), HasSubstr("KAFKA_ACKS")));
}

TEST(ProcessTest, MissingTokensFileExitsTwoNamingTheKey) {
    const CommandResult result = RunToEnd({}, {{"COSMIC_TEST_REQUIRE_AUTH", "true"}, {"COSMIC_HTTP_PORT", "0"}});
    EXPECT_EQ(result.exit_status, kExitConfigError);
    EXPECT_THAT(result.err, HasSubstr("auth.tokens_file"));
}

TEST(ProcessTest, UnknownArgumentExitsTwo) {
    const CommandResult result = RunToEnd({"--frobnicate"}, {});
    EXPECT_EQ(result.exit_status, kExitConfigError);
    EXPECT_THAT(result.err, HasSubstr("--frobnicate"));
}

TEST(ProcessTest, HelpListsServiceKeysAndVersionPrintsCommit) {
    const CommandResult help = RunToEnd({"--help"}, {});
    EXPECT_EQ(help.exit_status, kExitOk);
    EXPECT_THAT(help.out, AllOf(HasSubstr("test.answer  COSMIC_TEST_ANSWER  int [0..100]  default: 42"),
                                HasSubstr("http.port  COSMIC_HTTP_PORT  int [0..65535]  default: 18080"),
                                HasSubstr("KAFKA_BOOTSTRAP_SERVERS")));
    const CommandResult version = RunToEnd({"--version"}, {});
    EXPECT_EQ(version.exit_status, kExitOk);
    EXPECT_THAT(version.out, AllOf(HasSubstr("service-test " COSMIC_VERSION), HasSubstr("commit ")));
}

TEST(ProcessTest, SigtermStopsCleanlyWithExitZero) {
    testing::TempDir dir;
    RunningChild child(dir, {{"COSMIC_HTTP_PORT", "0"},
                             {"COSMIC_HTTP_BIND", "127.0.0.1"},
                             {"KAFKA_ENABLED", "false"},
                             {"COSMIC_PORT_FILE", dir.File("port")},
                             {"KAFKA_PORT", "tcp://10.0.0.1:9092"}});
    ASSERT_TRUE(child.WaitForLine(" ready in ")) << child.Log() << ReadFile(dir.File("stderr"));
    const std::string port = ReadFile(dir.File("port"));
    EXPECT_THAT(child.Log(), HasSubstr("listening on http://127.0.0.1:" + port.substr(0, port.size() - 1)));
    EXPECT_THAT(child.Log(), HasSubstr("KAFKA_PORT"));  // the service-link warning
    child.Signal(SIGTERM);
    EXPECT_EQ(child.Wait(), kExitOk) << child.Log();
    EXPECT_THAT(child.Log(), AllOf(HasSubstr("received SIGTERM"), HasSubstr("stopped worker")));
}

TEST(ProcessTest, SecondSignalExitsImmediately) {
    testing::TempDir dir;
    RunningChild child(dir, {{"COSMIC_HTTP_PORT", "0"},
                             {"COSMIC_HTTP_BIND", "127.0.0.1"},
                             {"KAFKA_ENABLED", "false"},
                             {"COSMIC_TEST_HANG_ON_STOP", "true"},
                             {"COSMIC_SHUTDOWN_DEADLINE_MS", "600000"}});
    ASSERT_TRUE(child.WaitForLine(" ready in ")) << child.Log();
    child.Signal(SIGINT);
    ASSERT_TRUE(child.WaitForLine("stopped http")) << child.Log();  // now stuck in the worker's Stop()
    child.Signal(SIGINT);
    EXPECT_EQ(child.Wait(), 128 + SIGINT) << child.Log();
    EXPECT_THAT(child.Log(), HasSubstr("exiting immediately"));
}

TEST(ProcessTest, StopStuckPastTheDeadlineIsCutShort) {
    testing::TempDir dir;
    RunningChild child(dir, {{"COSMIC_HTTP_PORT", "0"},
                             {"COSMIC_HTTP_BIND", "127.0.0.1"},
                             {"KAFKA_ENABLED", "false"},
                             {"COSMIC_TEST_HANG_ON_STOP", "true"},
                             {"COSMIC_SHUTDOWN_DEADLINE_MS", "0"}});
    ASSERT_TRUE(child.WaitForLine(" ready in ")) << child.Log();
    child.Signal(SIGTERM);
    EXPECT_EQ(child.Wait(), kExitFailure) << child.Log();
    EXPECT_THAT(child.Log(), HasSubstr("past its deadline"));
}

}  // namespace
}  // namespace cosmic::service
