// `cosmicctl audit verify --db FILE [--json]` as a user runs it: the real binary on a database
// written through the audit store, before and after a row is changed behind the store's back.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cosmicctl_test_support.hpp"
#include "store_fixture.hpp"

namespace cosmic::cosmicctl {
namespace {

using ::testing::HasSubstr;

struct RunResult {
    int status = -1;
    std::string output;  ///< stdout and stderr
};

RunResult RunCosmicctl(std::vector<std::string> args) {
    const cosmic::testing::CommandResult result = test::RunBinary(std::move(args));
    return {result.exit_status, result.out + result.err};
}

class CosmicctlAuditTest : public audit::testing::StoreTest {
  protected:
    void WriteDatabase() {
        Open().AppendBatch(audit::testing::MakeRange(0, 0, 12, audit::testing::WallNowMs()));
        Close();  // a final checkpoint seals the chain
    }
};

TEST_F(CosmicctlAuditTest, CleanDatabaseVerifiesWithoutAnyKafkaSettings) {
    WriteDatabase();
    const RunResult text = RunCosmicctl({"audit", "verify", "--db", DbPath()});
    EXPECT_EQ(text.status, 0) << text.output;
    EXPECT_THAT(text.output, HasSubstr("OK: 12 rows"));
    const RunResult json = RunCosmicctl({"audit", "verify", "--db", DbPath(), "--json"});
    EXPECT_EQ(json.status, 0) << json.output;
    EXPECT_THAT(json.output, HasSubstr("\"ok\":true"));
}

TEST_F(CosmicctlAuditTest, TamperedRowFailsAndIsNamed) {
    WriteDatabase();
    audit::testing::RawDb raw(DbPath());
    // An attacker with file access drops the append-only trigger first.
    raw.Exec("DROP TRIGGER audit_events_append_only");
    raw.Exec(R"sql(UPDATE audit_events SET payload = '{"forged":true}' WHERE "offset" = 5)sql");
    const RunResult result = RunCosmicctl({"audit", "verify", "--db", DbPath()});
    EXPECT_EQ(result.status, 1) << result.output;
    EXPECT_THAT(result.output, HasSubstr("TAMPERED"));
    EXPECT_THAT(result.output, HasSubstr("audit-trail/0 offset 5 row"));
}

TEST_F(CosmicctlAuditTest, MissingDatabaseOrDbOptionIsAUsageError) {
    const RunResult missing = RunCosmicctl({"audit", "verify", "--db", (dir_.Path() / "missing.db").string()});
    EXPECT_EQ(missing.status, 2) << missing.output;
    EXPECT_THAT(missing.output, HasSubstr("missing.db"));
    const RunResult no_db = RunCosmicctl({"audit", "verify"});
    EXPECT_EQ(no_db.status, 2) << no_db.output;
    EXPECT_THAT(no_db.output, HasSubstr("usage: cosmicctl audit verify --db FILE"));
}

}  // namespace
}  // namespace cosmic::cosmicctl
