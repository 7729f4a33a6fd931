// The real audit-consumer binary killed with SIGKILL in the middle of consuming, then started
// again on the same database and group: every record is stored exactly once and the chains
// verify. Runs the binary as a child process against the embedded cluster.

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "audit_fixture.hpp"
#include "cosmic/audit/chain_verifier.hpp"
#include "cosmic/testing/wait.hpp"

extern char** environ;

namespace cosmic::audit {
namespace {

using cosmic::testing::WaitUntil;
using kafka::testing::EmbeddedCluster;
using std::chrono::seconds;
using testing::AuditJson;
using testing::kTopic;

class ChildProcess {
  public:
    explicit ChildProcess(const service::Environment& env) {
        std::vector<std::string> entries;
        for (char** e = environ; *e != nullptr; ++e) {
            const std::string_view entry(*e);
            if (!entry.starts_with("KAFKA_") && !entry.starts_with("COSMIC_")) entries.emplace_back(entry);
        }
        for (const auto& [name, value] : env) entries.push_back(name + "=" + value);
        std::vector<char*> envp;
        for (auto& entry : entries) envp.push_back(entry.data());
        envp.push_back(nullptr);
        std::string binary = AUDIT_CONSUMER_BIN;
        char* argv[] = {binary.data(), nullptr};
        if (posix_spawn(&pid_, binary.c_str(), nullptr, nullptr, argv, envp.data()) != 0) pid_ = -1;
    }
    ~ChildProcess() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            Wait();
        }
    }
    bool Running() const { return pid_ > 0; }
    void Kill() {
        ::kill(pid_, SIGKILL);
        Wait();
    }
    /// SIGTERM and the exit status.
    int Terminate() {
        ::kill(pid_, SIGTERM);
        return Wait();
    }

  private:
    int Wait() {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    pid_t pid_ = -1;
};

std::int64_t Query(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    std::int64_t value = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 2000);
        sqlite3_stmt* stmt = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) == SQLITE_OK && sqlite3_step(stmt) == SQLITE_ROW) {
            value = sqlite3_column_int64(stmt, 0);
        }
        sqlite3_finalize(stmt);
    }
    sqlite3_close(db);
    return value;
}

class AuditCrashTest : public kafka::testing::EmbeddedClusterTest {};

TEST_F(AuditCrashTest, SigkillMidStreamLosesAndDuplicatesNothing) {
    testing::ScratchDir dir;
    const std::string db = (dir.Path() / "audit.db").string();
    service::Environment env = testing::ServiceEnv(cluster_, dir.Path());
    // A killed member is only replaced after its session times out; keep that short.
    env["KAFKA_SESSION_TIMEOUT_MS"] = "6000";
    env["KAFKA_HEARTBEAT_INTERVAL_MS"] = "500";
    env["COSMIC_AUDIT_BATCH_MAX_RECORDS"] = "50";
    env["COSMIC_AUDIT_CHECKPOINT_EVERY_ROWS"] = "200";

    constexpr int kFirst = 1500;
    constexpr int kSecond = 500;
    for (int i = 0; i < kFirst; ++i) {
        const std::string job = "job-" + std::to_string(i % 13);
        cluster_.Produce(kTopic, job, AuditJson(job, "STATE_CHANGE", "u1"));
    }

    {
        ChildProcess first(env);
        ASSERT_TRUE(first.Running());
        // Kill it as soon as it has written something: offsets are auto-committed every 5 s,
        // so rows it stored are not yet acknowledged to the group.
        ASSERT_TRUE(WaitUntil([&] { return Query(db, "SELECT COUNT(*) FROM audit_events") > 0; }, seconds(60)));
        first.Kill();
    }
    const std::int64_t after_kill = Query(db, "SELECT COUNT(*) FROM audit_events");
    EXPECT_GT(after_kill, 0);
    EXPECT_TRUE(VerifyDatabaseFile(db).ok);

    ChildProcess second(env);
    ASSERT_TRUE(second.Running());
    for (int i = 0; i < kSecond; ++i) {
        const std::string job = "job-" + std::to_string(i % 13);
        cluster_.Produce(kTopic, job, AuditJson(job, "UPDATE", "u2"));
    }
    ASSERT_TRUE(
        WaitUntil([&] { return Query(db, "SELECT COUNT(*) FROM audit_events") == kFirst + kSecond; }, seconds(90)))
        << Query(db, "SELECT COUNT(*) FROM audit_events");
    EXPECT_EQ(second.Terminate(), 0);

    EXPECT_EQ(Query(db, "SELECT COUNT(DISTINCT event_id) FROM audit_events"), kFirst + kSecond);
    EXPECT_EQ(Query(db, "SELECT COUNT(*) FROM audit_events"), kFirst + kSecond);
    const VerifyReport report = VerifyDatabaseFile(db);
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_GT(report.checkpoints_checked, 0u);
}

}  // namespace
}  // namespace cosmic::audit
