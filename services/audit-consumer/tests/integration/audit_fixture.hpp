#pragma once
// Helpers for the audit-consumer integration tests: audit events as wire JSON, a temporary
// directory and the service's environment for the embedded cluster.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <string>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/service/auth.hpp"
#include "cosmic/service/config.hpp"
#include "cosmic/testing/kafka_env.hpp"
#include "cosmic/testing/temp_dir.hpp"
#include "cosmic/testing/tokens.hpp"

namespace cosmic::audit::testing {

inline constexpr std::string_view kTopic = "audit-trail";

/// An audit-trail envelope as an outside producer would send it.
inline std::string AuditJson(const std::string& resource, const std::string& action, const std::string& user,
                             const std::string& payload = "{}", std::string event_id = {},
                             std::string source = "job-orchestrator", std::int64_t occurred_at_ms = 0) {
    if (event_id.empty()) event_id = schema::NewUuid();
    std::string lower = action;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return R"({"event_id":")" + event_id + R"(","event_type":"audit.)" + lower +
           R"(","schema_version":1,"occurred_at":")" +
           schema::FormatTimestamp(occurred_at_ms != 0 ? occurred_at_ms : schema::NowEpochMs()) + R"(","source":")" +
           source + R"(","correlation_id":"c-1","user_id":")" + user + R"(","resource_id":")" + resource +
           R"(","action":")" + action + R"(","payload":)" + payload + "}";
}

/// A fresh temporary directory per test.
using ScratchDir = cosmic::testing::TempDir;

/// A tokens file with an auditor ("auditor-token") and a plain user ("user-token").
inline std::string WriteTokens(const std::filesystem::path& dir) {
    const std::string path = (dir / "tokens.json").string();
    cosmic::testing::WriteTokensFile(path,
                                     {{"auditor-token", "carol", {"auditor"}}, {"user-token", "alice", {"user"}}});
    return path;
}

/// The service environment pointing at `cluster` with test-friendly timings.
inline service::Environment ServiceEnv(const kafka::testing::EmbeddedCluster& cluster,
                                       const std::filesystem::path& dir) {
    service::Environment env;
    for (const auto& [name, value] : cosmic::testing::KafkaEnvironment(cluster.ClientConfig().properties))
        env[name] = value;
    env["COSMIC_HTTP_PORT"] = "0";
    env["COSMIC_HTTP_BIND"] = "127.0.0.1";
    env["COSMIC_TOKENS_FILE"] = WriteTokens(dir);
    env["COSMIC_INSTANCE_ID"] = "audit-test-1";
    env["COSMIC_DATA_DIR"] = dir.string();
    env["COSMIC_LOG_LEVEL"] = "warn";
    env["COSMIC_HEARTBEAT_INTERVAL_MS"] = "200";
    return env;
}

}  // namespace cosmic::audit::testing
