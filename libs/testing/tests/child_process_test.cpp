#include "cosmic/testing/child_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::testing {
namespace {

ProcessOptions Shell(const std::string& script) {
    ProcessOptions options;
    options.binary = "/bin/sh";
    options.args = {"-c", script};
    return options;
}

TEST(RunCommandTest, CapturesStdoutStderrAndTheExitCode) {
    const CommandResult result = RunCommand(Shell("echo out; echo err >&2; exit 3"));
    EXPECT_EQ(result.exit_status, 3);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
}

TEST(RunCommandTest, CleanEnvironmentUnlessInherited) {
    ASSERT_EQ(::setenv("COSMIC_TESTING_LEAK", "leaked", 1), 0);
    ProcessOptions options = Shell(R"(echo "${COSMIC_TESTING_LEAK:-unset} $GIVEN ${PATH:+path}")");
    options.env = {{"GIVEN", "given"}};
    const CommandResult clean = RunCommand(options);
    options.inherit_environment = true;
    const CommandResult inherited = RunCommand(options);
    ::unsetenv("COSMIC_TESTING_LEAK");
    EXPECT_EQ(clean.out, "unset given path\n");
    EXPECT_EQ(inherited.out, "leaked given path\n");
}

TEST(RunCommandTest, OutputGoesToTheNamedFileAppended) {
    TempDir dir;
    const std::string log = dir.Write("log", "before\n");
    ProcessOptions options = Shell("echo one; echo two >&2");
    options.stdout_path = log;
    const CommandResult result = RunCommand(options);
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(ReadFile(log), "before\none\ntwo\n");
}

TEST(RunCommandTest, StdinReadsTheNamedFile) {
    TempDir dir;
    ProcessOptions options = Shell("tr a-z A-Z");
    options.stdin_path = dir.Write("in", "shout\n");
    EXPECT_EQ(RunCommand(options).out, "SHOUT\n");
}

TEST(RunCommandTest, ABareNameIsFoundOnPath) {
    ProcessOptions options;
    options.binary = "sh";
    options.args = {"-c", "echo found"};
    EXPECT_EQ(RunCommand(options).out, "found\n");
}

TEST(RunCommandTest, MissingBinaryThrows) {
    ProcessOptions options;
    options.binary = "/nonexistent/cosmic-binary";
    EXPECT_THROW(RunCommand(options), std::runtime_error);
}

TEST(ChildProcessTest, StopSendsSigtermAndReportsTheSignal) {
    ChildProcess child(Shell("exec sleep 600"));
    EXPECT_TRUE(child.Running());
    EXPECT_FALSE(child.Wait(std::chrono::milliseconds(0)).has_value());
    EXPECT_EQ(child.Stop(), 128 + SIGTERM);
    EXPECT_FALSE(child.Running());
    EXPECT_EQ(child.ExitStatus(), 128 + SIGTERM);
    EXPECT_EQ(child.Stop(), 128 + SIGTERM);  // again: the same status, nothing signalled
}

TEST(ChildProcessTest, StopEscalatesToSigkillAfterTheDeadline) {
    TempDir dir;
    ProcessOptions options = Shell("trap '' TERM; echo armed; exec sleep 600");
    options.stdout_path = dir.File("out");
    ChildProcess child(options);
    // SIGTERM before the trap is set would end it at once; wait until it says it ignores it.
    ASSERT_TRUE(WaitUntil([&] { return ReadFile(dir.File("out")) == "armed\n"; }));
    EXPECT_EQ(child.Stop(std::chrono::milliseconds(100)), 128 + SIGKILL);
}

TEST(ChildProcessTest, KillIsACrash) {
    ChildProcess child(Shell("exec sleep 600"));
    EXPECT_EQ(child.Kill(), 128 + SIGKILL);
    EXPECT_FALSE(child.Running());
    EXPECT_FALSE(child.Signal(SIGTERM));
}

TEST(ChildProcessTest, WaitReturnsTheExitCode) {
    ChildProcess child(Shell("exit 7"));
    EXPECT_EQ(child.Wait(std::chrono::seconds(30)), 7);
}

}  // namespace
}  // namespace cosmic::testing
