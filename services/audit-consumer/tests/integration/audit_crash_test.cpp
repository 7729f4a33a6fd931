// The real audit-consumer binary killed with SIGKILL in the middle of consuming, then started
// again on the same database and group: every record is stored exactly once and the chains
// verify. Runs the binary as a child process against the embedded cluster.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>

#include "audit_fixture.hpp"
#include "cosmic/audit/chain_verifier.hpp"
#include "cosmic/testing/service_process.hpp"
#include "cosmic/testing/sqlite_query.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::audit {
namespace {

using cosmic::testing::WaitUntil;
using std::chrono::seconds;
using testing::AuditJson;
using testing::kTopic;

std::int64_t Query(const std::string& path, const char* sql) { return cosmic::testing::QueryInt64(path, sql); }

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

    cosmic::testing::ServiceProcess audit({.name = "audit-consumer",
                                           .binary = AUDIT_CONSUMER_BIN,
                                           .run_dir = dir.Path(),
                                           .env = {env.begin(), env.end()}});

    // Kill it as soon as it has written something: offsets are auto-committed every 5 s, so rows
    // it stored are not yet acknowledged to the group.
    audit.Launch();
    ASSERT_TRUE(WaitUntil([&] { return Query(db, "SELECT COUNT(*) FROM audit_events") > 0; }, seconds(60)))
        << audit.LogTail();
    audit.Kill();
    const std::int64_t after_kill = Query(db, "SELECT COUNT(*) FROM audit_events");
    EXPECT_GT(after_kill, 0);
    EXPECT_TRUE(VerifyDatabaseFile(db).ok);

    audit.Launch();
    for (int i = 0; i < kSecond; ++i) {
        const std::string job = "job-" + std::to_string(i % 13);
        cluster_.Produce(kTopic, job, AuditJson(job, "UPDATE", "u2"));
    }
    ASSERT_TRUE(
        WaitUntil([&] { return Query(db, "SELECT COUNT(*) FROM audit_events") == kFirst + kSecond; }, seconds(90)))
        << Query(db, "SELECT COUNT(*) FROM audit_events");
    EXPECT_EQ(audit.Stop(), 0) << audit.LogTail();

    EXPECT_EQ(Query(db, "SELECT COUNT(DISTINCT event_id) FROM audit_events"), kFirst + kSecond);
    EXPECT_EQ(Query(db, "SELECT COUNT(*) FROM audit_events"), kFirst + kSecond);
    const VerifyReport report = VerifyDatabaseFile(db);
    EXPECT_TRUE(report.ok) << (report.first_bad ? report.first_bad->detail : "");
    EXPECT_GT(report.checkpoints_checked, 0u);
}

}  // namespace
}  // namespace cosmic::audit
