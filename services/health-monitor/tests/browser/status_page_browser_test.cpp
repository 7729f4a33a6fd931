// The status page in a real headless browser (Debian's chromium, driven by puppeteer-core that
// the test installs from npm into a scratch directory of the build tree): it renders a known
// state and turns a component DOWN live over the WebSocket. Screenshots are kept in
// <build>/services/health-monitor/artifacts/.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "health_test_support.hpp"

namespace cosmic::health {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPuppeteer = "puppeteer-core@24.43.1";

std::string Chromium() {
    if (const char* path = std::getenv("COSMIC_CHROMIUM")) return path;
    for (const char* path : {"/usr/bin/chromium", "/usr/bin/chromium-browser"}) {
        if (fs::exists(path)) return path;
    }
    return {};
}

class StatusPageBrowserTest : public kafka::testing::EmbeddedClusterTest {};

TEST_F(StatusPageBrowserTest, RendersTheStateAndShowsAComponentGoingDownLive) {
    const std::string chromium = Chromium();
    if (chromium.empty()) GTEST_SKIP() << "no chromium: apt-get install chromium (or set COSMIC_CHROMIUM)";
    const fs::path scratch = COSMIC_HEALTH_BROWSER_DIR;
    const fs::path artifacts = fs::path(COSMIC_HEALTH_ARTIFACT_DIR);
    fs::create_directories(scratch);
    fs::create_directories(artifacts);
    if (!fs::exists(scratch / "node_modules" / "puppeteer-core" / "package.json")) {
        const cosmic::testing::CommandResult install = cosmic::testing::RunCommand(
            {.binary = "npm",
             .args = {"install", "--no-audit", "--no-fund", "--silent", "--prefix", scratch.string(), kPuppeteer},
             .inherit_environment = true,
             .stdout_path = scratch / "npm.log"},
            std::chrono::minutes(10));
        ASSERT_EQ(install.exit_status, 0) << "npm install failed; see " << (scratch / "npm.log");
    }

    testing::TempDir dir;
    service::Environment env;
    for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(cluster_.ClientConfig().properties))
        env[name] = value;
    env["COSMIC_HTTP_PORT"] = "0";
    env["COSMIC_HTTP_BIND"] = "127.0.0.1";
    env["COSMIC_TOKENS_FILE"] = testing::WriteTokens(dir.Path());
    env["COSMIC_INSTANCE_ID"] = "hm-browser";
    env["COSMIC_LOG_LEVEL"] = "warn";
    env["COSMIC_HA_ENABLED"] = "false";
    env["COSMIC_COMPONENTS_EXPECTED"] = "";
    env["COSMIC_COMPONENTS_STALE_AFTER_MS"] = "2000";
    env["COSMIC_MONITORED_GROUPS"] = "system-health-consumer-group";
    env["COSMIC_GROUPS_POLL_INTERVAL_MS"] = "300";
    env["COSMIC_CLUSTER_POLL_INTERVAL_MS"] = "500";
    env["COSMIC_ALERTS_EVALUATE_INTERVAL_MS"] = "200";
    env["COSMIC_HEARTBEAT_INTERVAL_MS"] = "1000";
    testing::HealthInstance monitor(env);

    // fake-service heartbeats until the page has shown it HEALTHY, then goes silent.
    std::atomic<bool> beating{true};
    std::thread heart([&] {
        while (beating.load()) {
            cluster_.Produce("system-health", "fake-1", testing::RawHeartbeat("fake-service", "fake-1"));
            testing::WaitUntil([&] { return !beating.load(); }, std::chrono::milliseconds(300));
        }
    });

    const std::string url =
        "http://127.0.0.1:" + std::to_string(monitor.Port()) + "/#token=" + std::string(testing::kAdminToken);
    const fs::path node_log = dir.Path() / "node.log";
    cosmic::testing::ChildProcess node(
        {.binary = "node",
         .args = {COSMIC_HEALTH_BROWSER_SCRIPT, scratch.string(), chromium, url, artifacts.string()},
         .inherit_environment = true,
         .stdout_path = node_log});
    // The heartbeats stop once the page has shown the component HEALTHY.
    testing::WaitUntil(
        [&] {
            return cosmic::testing::ReadFile(node_log).find("HEALTHY-SEEN") != std::string::npos || !node.Running();
        },
        std::chrono::minutes(4));
    beating = false;
    const std::optional<int> status = node.Wait(std::chrono::minutes(4));
    heart.join();
    const std::string output = cosmic::testing::ReadFile(node_log);
    ASSERT_EQ(status, std::optional<int>(0)) << output;
    EXPECT_NE(output.find("DOWN-SEEN"), std::string::npos) << output;
    EXPECT_TRUE(fs::exists(artifacts / "status-page-healthy.png"));
    EXPECT_TRUE(fs::exists(artifacts / "status-page-down.png"));
}

}  // namespace
}  // namespace cosmic::health
