// `cosmicctl audit verify --db FILE`: exit 0 for a clean database, 1 for a tampered one, 2 for
// usage errors and files that are not audit databases.

#include "cosmic/audit/verify_cli.hpp"

#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace cosmic::audit {
namespace {

using testing::MakeRange;
using testing::RawDb;
using testing::StoreTest;

int RunCli(std::vector<std::string> args) {
    args.insert(args.begin(), "audit-verify");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    return RunAuditVerifyCli(static_cast<int>(argv.size()), argv.data());
}

TEST_F(StoreTest, VerifyCliExitCodes) {
    Open().AppendBatch(MakeRange(0, 0, 20, 1767225600000));
    Close();
    EXPECT_EQ(RunCli({"--db", DbPath()}), 0);
    EXPECT_EQ(RunCli({"--db=" + DbPath(), "--json"}), 0);

    RawDb(DbPath()).Exec("DELETE FROM audit_events WHERE \"offset\" = 7");
    EXPECT_EQ(RunCli({"--db", DbPath()}), 1);
    EXPECT_EQ(RunCli({"--db", DbPath(), "--json"}), 1);

    EXPECT_EQ(RunCli({}), 2);
    EXPECT_EQ(RunCli({"--bogus"}), 2);
    EXPECT_EQ(RunCli({"--db", (dir_.Path() / "missing.db").string()}), 2);
}

}  // namespace
}  // namespace cosmic::audit
