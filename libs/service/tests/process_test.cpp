// Runs a real service binary (service_test_main) as a child process: exit codes, the one-line
// config error on stderr, --help/--version, and the SIGTERM lifecycle.

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "cosmic/service/runtime.hpp"
#include "test_util.hpp"

extern char** environ;  // NOLINT: POSIX

namespace cosmic::service {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr const char* kBinary = COSMIC_SERVICE_TEST_MAIN;

/// A hermetic environment: only the given variables, plus sanitizer options when set.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& variables) {
    std::vector<std::string> env = variables;
    for (const char* passthrough : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
        if (const char* value = std::getenv(passthrough)) {
            env.push_back(std::string(passthrough) + "=" + value);
        }
    }
    return env;
}

std::vector<char*> Pointers(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (auto& s : strings) pointers.push_back(s.data());
    pointers.push_back(nullptr);
    return pointers;
}

int ExitCode(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Finished {
    int exit_code = -1;
    std::string out;
    std::string err;
};

/// Runs the binary to completion with stdout and stderr captured in files.
Finished RunToEnd(const testing::TempDir& dir, std::vector<std::string> args, const std::vector<std::string>& env) {
    args.insert(args.begin(), kBinary);
    std::vector<std::string> environment = ChildEnvironment(env);
    auto argv = Pointers(args);
    auto envp = Pointers(environment);
    const std::string out = dir.File("stdout"), err = dir.File("stderr");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, kBinary, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    Finished result;
    if (spawned != 0) {
        ADD_FAILURE() << "posix_spawn failed: " << spawned;
        return result;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = ExitCode(status);
    result.out = ReadFile(out);
    result.err = ReadFile(err);
    return result;
}

/// A running child whose stdout (the JSON log) is read line by line through a pipe.
class RunningChild {
  public:
    RunningChild(const testing::TempDir& dir, const std::vector<std::string>& env) {
        std::vector<std::string> args = {kBinary};
        std::vector<std::string> environment = ChildEnvironment(env);
        auto argv = Pointers(args);
        auto envp = Pointers(environment);
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
        const std::string err = dir.File("stderr");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        posix_spawn_file_actions_addopen(&actions, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        const int spawned = posix_spawn(&pid_, kBinary, &actions, nullptr, argv.data(), envp.data());
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (spawned != 0) {
            close(fds[0]);
            throw std::runtime_error("posix_spawn failed");
        }
        out_ = fdopen(fds[0], "r");
    }
    ~RunningChild() {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
        if (out_ != nullptr) fclose(out_);
    }

    /// Reads log lines until one contains `text` (true) or stdout ends (false). Blocks on the
    /// pipe: the child's own progress is the condition, ctest's timeout the backstop.
    bool WaitForLine(const std::string& text) {
        char* line = nullptr;
        size_t capacity = 0;
        bool found = false;
        while (!found && getline(&line, &capacity, out_) > 0) {
            log_ += line;
            found = std::string_view(line).find(text) != std::string_view::npos;
        }
        free(line);
        return found;
    }
    void Signal(int signal_number) { kill(pid_, signal_number); }
    int Wait() {
        WaitForLine("\x01never\x01");  // drain stdout to EOF so the child never blocks on it
        int status = 0;
        waitpid(pid_, &status, 0);
        pid_ = -1;
        return ExitCode(status);
    }
    const std::string& Log() const { return log_; }

  private:
    pid_t pid_ = -1;
    FILE* out_ = nullptr;
    std::string log_;
};

TEST(ProcessTest, BadEnvironmentValueExitsTwoNamingKeyAndVariable) {
    testing::TempDir dir;
    const Finished result = RunToEnd(dir, {}, {"COSMIC_HTTP_PORT=banana"});
    EXPECT_EQ(result.exit_code, kExitConfigError);
    EXPECT_THAT(result.err, AllOf(HasSubstr("http.port"), HasSubstr("COSMIC_HTTP_PORT"), HasSubstr("banana")));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
}

TEST(ProcessTest, UnknownFileKeyExitsTwoNamingKeyAndFile) {
    testing::TempDir dir;
    const std::string config = dir.Write("config.json", R"({"test": {"answr": 7}})");
    const Finished result = RunToEnd(dir, {"--config", config}, {});
    EXPECT_EQ(result.exit_code, kExitConfigError);
    EXPECT_THAT(result.err, AllOf(HasSubstr("test.answr"), HasSubstr(config), HasSubstr("did you mean test.answer")));
}

TEST(ProcessTest, RejectedKafkaPropertyExitsTwo) {
    testing::TempDir dir;
    const Finished result = RunToEnd(dir, {}, {"KAFKA_ACKS=banana"});
    EXPECT_EQ(result.exit_code, kExitConfigError);
    EXPECT_THAT(result.err, AllOf(HasSubstr("acks"), HasSubstr("KAFKA_ACKS")));
}

TEST(ProcessTest, MissingTokensFileExitsTwoNamingTheKey) {
    testing::TempDir dir;
    const Finished result = RunToEnd(dir, {}, {"COSMIC_TEST_REQUIRE_AUTH=true", "COSMIC_HTTP_PORT=0"});
    EXPECT_EQ(result.exit_code, kExitConfigError);
    EXPECT_THAT(result.err, HasSubstr("auth.tokens_file"));
}

TEST(ProcessTest, UnknownArgumentExitsTwo) {
    testing::TempDir dir;
    const Finished result = RunToEnd(dir, {"--frobnicate"}, {});
    EXPECT_EQ(result.exit_code, kExitConfigError);
    EXPECT_THAT(result.err, HasSubstr("--frobnicate"));
}

TEST(ProcessTest, HelpListsServiceKeysAndVersionPrintsCommit) {
    testing::TempDir dir;
    const Finished help = RunToEnd(dir, {"--help"}, {});
    EXPECT_EQ(help.exit_code, kExitOk);
    EXPECT_THAT(help.out, AllOf(HasSubstr("test.answer  COSMIC_TEST_ANSWER  int [0..100]  default: 42"),
                                HasSubstr("http.port  COSMIC_HTTP_PORT  int [0..65535]  default: 18080"),
                                HasSubstr("KAFKA_BOOTSTRAP_SERVERS")));
    const Finished version = RunToEnd(dir, {"--version"}, {});
    EXPECT_EQ(version.exit_code, kExitOk);
    EXPECT_THAT(version.out, AllOf(HasSubstr("service-test " COSMIC_VERSION), HasSubstr("commit ")));
}

TEST(ProcessTest, SigtermStopsCleanlyWithExitZero) {
    testing::TempDir dir;
    RunningChild child(dir, {"COSMIC_HTTP_PORT=0", "COSMIC_HTTP_BIND=127.0.0.1", "KAFKA_ENABLED=false",
                             "COSMIC_PORT_FILE=" + dir.File("port"), "KAFKA_PORT=tcp://10.0.0.1:9092"});
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
    RunningChild child(dir, {"COSMIC_HTTP_PORT=0", "COSMIC_HTTP_BIND=127.0.0.1", "KAFKA_ENABLED=false",
                             "COSMIC_TEST_HANG_ON_STOP=true", "COSMIC_SHUTDOWN_DEADLINE_MS=600000"});
    ASSERT_TRUE(child.WaitForLine(" ready in ")) << child.Log();
    child.Signal(SIGINT);
    ASSERT_TRUE(child.WaitForLine("stopped http")) << child.Log();  // now stuck in the worker's Stop()
    child.Signal(SIGINT);
    EXPECT_EQ(child.Wait(), 128 + SIGINT) << child.Log();
    EXPECT_THAT(child.Log(), HasSubstr("exiting immediately"));
}

TEST(ProcessTest, StopStuckPastTheDeadlineIsCutShort) {
    testing::TempDir dir;
    RunningChild child(dir, {"COSMIC_HTTP_PORT=0", "COSMIC_HTTP_BIND=127.0.0.1", "KAFKA_ENABLED=false",
                             "COSMIC_TEST_HANG_ON_STOP=true", "COSMIC_SHUTDOWN_DEADLINE_MS=0"});
    ASSERT_TRUE(child.WaitForLine(" ready in ")) << child.Log();
    child.Signal(SIGTERM);
    EXPECT_EQ(child.Wait(), kExitFailure) << child.Log();
    EXPECT_THAT(child.Log(), HasSubstr("past its deadline"));
}

}  // namespace
}  // namespace cosmic::service
