#include "cosmic/testing/service_process.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::testing {
namespace {

using ::testing::HasSubstr;

ServiceOptions FakeService() {
    ServiceOptions options;
    options.name = "fake-service";
    options.binary = COSMIC_TESTING_FAKE_SERVICE;
    return options;
}

TEST(ServiceProcessTest, RunsOnPortZeroWithItsDataDirTokensAndSettings) {
    ServiceOptions options = FakeService();
    options.tokens = {{"alice-token", "alice", {"user"}}, {"root-token", "root", {"admin", "auditor"}}};
    options.env = {{"FAKE_GREETING", "hello"}, {"COSMIC_INSTANCE_ID", "fake-1"}};
    ServiceProcess service(options);
    service.Start();
    ASSERT_GT(service.Port(), 0);
    EXPECT_EQ(service.BaseUrl(), LocalUrl(service.Port()));

    HttpClient http(service.BaseUrl());
    EXPECT_EQ(http.Get("/env/FAKE_GREETING").body, "hello");
    EXPECT_EQ(http.Get("/env/COSMIC_INSTANCE_ID").body, "fake-1");  // the test's settings win
    EXPECT_EQ(http.Get("/env/COSMIC_HTTP_PORT").body, "0");
    EXPECT_EQ(http.Get("/env/COSMIC_DATA_DIR").body, service.DataDir().string());
    EXPECT_TRUE(std::filesystem::is_directory(service.DataDir()));
    EXPECT_EQ(http.Get("/env/COSMIC_TOKENS_FILE").body, service.TokensFile().string());
    EXPECT_EQ(http.Get("/tokens").body, TokensJson(options.tokens));
    EXPECT_THAT(http.Get("/tokens").body, HasSubstr(R"({"sha256": ")" + Sha256Hex("alice-token") +
                                                    R"(", "user_id": "alice", "roles": ["user"]})"));

    EXPECT_EQ(service.Stop(), 0);
    EXPECT_FALSE(service.Running());
    const std::string log = ReadFile(service.LogPath());
    EXPECT_THAT(log, HasSubstr("fake-service listening on " + std::to_string(service.Port())));
    EXPECT_THAT(log, HasSubstr("fake-service stderr works"));
    EXPECT_THAT(log, HasSubstr("received signal " + std::to_string(SIGTERM)));
}

TEST(ServiceProcessTest, StartWaitsUntilReady) {
    ServiceOptions options = FakeService();
    options.env = {{"FAKE_NOT_READY_FOR", "3"}};
    ServiceProcess service(options);
    service.Start();
    EXPECT_EQ(HttpCall(service.BaseUrl() + "/readyz").status, 200);
}

TEST(ServiceProcessTest, LaunchDoesNotWaitForReadiness) {
    ServiceOptions options = FakeService();
    options.env = {{"FAKE_NOT_READY_FOR", "1000000"}};
    ServiceProcess service(options);
    service.Launch();
    EXPECT_TRUE(service.Running());
    EXPECT_EQ(HttpCall(service.BaseUrl() + "/readyz").status, 503);
    EXPECT_THROW(ServiceProcess(options).Start(std::chrono::milliseconds(300)), std::runtime_error);
}

TEST(ServiceProcessTest, StopEscalatesToSigkill) {
    ServiceOptions options = FakeService();
    options.env = {{"FAKE_IGNORE_SIGTERM", "1"}};
    ServiceProcess service(options);
    service.Start();
    EXPECT_EQ(service.Stop(std::chrono::milliseconds(200)), 128 + SIGKILL);
}

TEST(ServiceProcessTest, KilledServiceStartsAgainOnTheSameDirectories) {
    TempDir run;
    ServiceOptions options = FakeService();
    options.run_dir = run.Path();
    options.pid_dir = run.Path() / "pids";
    ServiceProcess service(options);
    service.Start();
    WriteFile(service.DataDir() / "state", "kept");
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(options.pid_dir), {}), 1);
    EXPECT_EQ(service.Kill(), 128 + SIGKILL);
    EXPECT_FALSE(service.Running());
    EXPECT_EQ(std::distance(std::filesystem::directory_iterator(options.pid_dir), {}), 0);

    service.Start();
    EXPECT_EQ(ReadFile(service.DataDir() / "state"), "kept");
    EXPECT_EQ(HttpCall(service.BaseUrl() + "/healthz").status, 200);
    EXPECT_EQ(service.Stop(), 0);
    EXPECT_EQ(service.LogPath().parent_path(), run.Path());
}

TEST(ServiceProcessTest, ExitBeforeReadyFailsWithTheLogTail) {
    ServiceOptions options = FakeService();
    options.env = {{"FAKE_EXIT_AT_START", "5"}};
    ServiceProcess service(options);
    try {
        service.Start();
        FAIL() << "Start() did not throw";
    } catch (const std::runtime_error& error) {
        EXPECT_THAT(error.what(), HasSubstr("exited with status 5"));
        EXPECT_THAT(error.what(), HasSubstr("fake-service exiting with 5"));
    }
}

TEST(ServiceProcessTest, MissingBinaryIsRefused) {
    ServiceOptions options = FakeService();
    options.binary = "/nonexistent/service";
    EXPECT_THROW(ServiceProcess{options}, std::runtime_error);
}

TEST(TokensTest, Sha256HexAndTheFileFormat) {
    EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(TokensJson({{"abc", "u1", {"user"}}}),
              "{\"tokens\": [\n  {\"sha256\": \"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad\", "
              "\"user_id\": \"u1\", \"roles\": [\"user\"]}\n]}\n");
    EXPECT_THROW(TokensJson({{"t", "quote\"d", {}}}), std::invalid_argument);
}

}  // namespace
}  // namespace cosmic::testing
