#include "cosmic/store/sqlite.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <limits>

#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::store {
namespace {

using ::testing::HasSubstr;

class SqliteTest : public ::testing::Test {
  protected:
    std::string Path() const { return dir_.File("test.db"); }

    cosmic::testing::TempDir dir_;
};

TEST_F(SqliteTest, OpenCreatesTheFileAndWalSticks) {
    {
        Database db(Path());
        db.EnableWal();
        db.Exec("CREATE TABLE t(x INTEGER)");
        EXPECT_EQ(db.Path(), Path());
    }
    EXPECT_TRUE(std::filesystem::exists(Path()));
    Database again(Path(), Database::Mode::kReadOnly);
    Statement mode = again.Prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.Step());
    EXPECT_EQ(mode.Text(0), "wal");
}

TEST_F(SqliteTest, EnableWalFailsForAnInMemoryDatabase) {
    Database db(":memory:");
    EXPECT_THROW(db.EnableWal(), StoreError);
}

TEST_F(SqliteTest, PragmasAndUserVersion) {
    Database db(Path());
    EXPECT_EQ(db.UserVersion(), 0);
    db.SetUserVersion(7);
    db.Exec("PRAGMA synchronous = FULL");
    EXPECT_EQ(db.QueryInt("PRAGMA synchronous"), 2);
    Database reader(Path(), Database::Mode::kReadOnly);
    EXPECT_EQ(reader.UserVersion(), 7);
}

TEST_F(SqliteTest, ReadOnlyOpenOfAMissingFileNamesThePath) {
    const std::string missing = dir_.File("missing.db");
    try {
        Database db(missing, Database::Mode::kReadOnly);
        FAIL() << "opened a missing file read-only";
    } catch (const StoreError& error) {
        EXPECT_THAT(error.what(), HasSubstr(missing));
        EXPECT_EQ(error.SqliteCode() & 0xff, SQLITE_CANTOPEN);
    }
    EXPECT_FALSE(std::filesystem::exists(missing));
}

TEST_F(SqliteTest, ReadOnlyConnectionRefusesWrites) {
    { Database(Path()).Exec("CREATE TABLE t(x INTEGER)"); }
    Database db(Path(), Database::Mode::kReadOnly);
    EXPECT_THROW(db.Exec("INSERT INTO t VALUES (1)"), StoreError);
}

TEST_F(SqliteTest, BindsAndReadsEveryType) {
    Database db(Path());
    db.Exec("CREATE TABLE t(i INTEGER, d REAL, s TEXT, b BLOB, n TEXT, h BLOB, e BLOB)");
    const std::array<std::uint8_t, 4> id{1, 2, 3, 4};
    const std::string text = "héllo";
    Statement insert = db.Prepare("INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    insert.Bind(1, std::numeric_limits<std::int64_t>::min())
        .BindDouble(2, 2.5)
        .BindStatic(3, text)
        .BindBlob(4, std::string_view("a\0b", 3))
        .BindNull(5)
        .Bind(6, id)
        .BindBlob(7, nullptr, 0)
        .Run();
    EXPECT_EQ(db.Changes(), 1);

    Statement select = db.Prepare("SELECT i, d, s, b, n, h, e, typeof(e) FROM t");
    ASSERT_TRUE(select.Step());
    EXPECT_EQ(select.Int(0), std::numeric_limits<std::int64_t>::min());
    EXPECT_DOUBLE_EQ(select.Double(1), 2.5);
    EXPECT_EQ(select.Text(2), text);
    EXPECT_EQ(select.Blob(3), std::string_view("a\0b", 3));
    EXPECT_TRUE(select.IsNull(4));
    EXPECT_EQ(select.Text(4), "");
    std::array<std::uint8_t, 4> read_id{};
    EXPECT_TRUE(select.BlobInto(5, read_id));
    EXPECT_EQ(read_id, id);
    std::array<std::uint8_t, 8> wrong_size{};
    EXPECT_FALSE(select.BlobInto(5, wrong_size));
    EXPECT_FALSE(select.IsNull(6));
    EXPECT_EQ(select.Text(7), "blob");
    EXPECT_FALSE(select.Step());
}

TEST_F(SqliteTest, ResetClearsBindingsForReuse) {
    Database db(Path());
    db.Exec("CREATE TABLE t(x INTEGER)");
    Statement insert = db.Prepare("INSERT INTO t VALUES (?1)");
    insert.Bind(1, std::int64_t{5}).Run();
    insert.Reset();
    insert.Run();  // cleared binding -> NULL
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t WHERE x IS NULL"), 1);
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t WHERE x = 5"), 1);
}

TEST_F(SqliteTest, StepErrorNamesTheSqlAndTheFileAndLeavesTheStatementReusable) {
    Database db(Path());
    db.Exec("CREATE TABLE t(x INTEGER PRIMARY KEY)");
    Statement insert = db.Prepare("INSERT INTO t VALUES (?1)");
    insert.Bind(1, std::int64_t{1}).Run();
    insert.Reset();
    try {
        insert.Bind(1, std::int64_t{1}).Run();
        FAIL() << "duplicate key accepted";
    } catch (const StoreError& error) {
        EXPECT_THAT(error.what(), HasSubstr("INSERT INTO t VALUES"));
        EXPECT_THAT(error.what(), HasSubstr(Path()));
        EXPECT_THAT(error.what(), HasSubstr("UNIQUE"));
        EXPECT_EQ(error.SqliteCode(), SQLITE_CONSTRAINT_PRIMARYKEY);
        EXPECT_FALSE(error.Transient());
    }
    insert.Reset();
    insert.Bind(1, std::int64_t{2}).Run();
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t"), 2);
}

TEST_F(SqliteTest, PrepareAndExecErrorsNameTheSql) {
    Database db(Path());
    try {
        db.Prepare("SELECT nope FROM nowhere");
        FAIL() << "prepared a bad statement";
    } catch (const StoreError& error) {
        EXPECT_THAT(error.what(), HasSubstr("prepare \"SELECT nope FROM nowhere\""));
        EXPECT_THAT(error.what(), HasSubstr("no such table"));
    }
    try {
        db.Exec("CREATE TABLE (");
        FAIL() << "executed bad SQL";
    } catch (const StoreError& error) {
        EXPECT_THAT(error.what(), HasSubstr("CREATE TABLE ("));
        EXPECT_THAT(error.what(), HasSubstr(Path()));
    }
}

TEST_F(SqliteTest, BindOutOfRangeNamesTheParameter) {
    Database db(Path());
    Statement select = db.Prepare("SELECT ?1");
    try {
        select.Bind(3, std::int64_t{1});
        FAIL() << "bound a parameter that does not exist";
    } catch (const StoreError& error) {
        EXPECT_THAT(error.what(), HasSubstr("bind ?3 of \"SELECT ?1\""));
        EXPECT_EQ(error.SqliteCode(), SQLITE_RANGE);
    }
}

TEST_F(SqliteTest, TransactionCommits) {
    Database db(Path());
    db.Exec("CREATE TABLE t(x INTEGER)");
    {
        Transaction tx(db);
        db.Exec("INSERT INTO t VALUES (1)");
        tx.Commit();
    }
    Database other(Path());
    EXPECT_EQ(other.QueryInt("SELECT count(*) FROM t"), 1);
}

TEST_F(SqliteTest, TransactionRollsBackWithoutCommit) {
    Database db(Path());
    db.Exec("CREATE TABLE t(x INTEGER)");
    {
        Transaction tx(db);
        db.Exec("INSERT INTO t VALUES (1)");
    }
    EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t"), 0);
    EXPECT_NE(sqlite3_get_autocommit(db.Handle()), 0);
    try {
        Transaction tx(db);
        db.Exec("INSERT INTO t VALUES (2)");
        throw StoreError("abandon", SQLITE_ERROR);
    } catch (const StoreError&) {
        EXPECT_EQ(db.QueryInt("SELECT count(*) FROM t"), 0);
    }
}

TEST_F(SqliteTest, DeferredTransactionReadsOneSnapshot) {
    Database writer(Path());
    writer.EnableWal();
    writer.Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1)");
    Database reader(Path(), Database::Mode::kReadOnly);
    Transaction snapshot(reader, Transaction::Kind::kDeferred);
    EXPECT_EQ(reader.QueryInt("SELECT count(*) FROM t"), 1);
    writer.Exec("INSERT INTO t VALUES (2)");
    EXPECT_EQ(reader.QueryInt("SELECT count(*) FROM t"), 1);
    snapshot.Commit();
    EXPECT_EQ(reader.QueryInt("SELECT count(*) FROM t"), 2);
}

TEST_F(SqliteTest, BusyTimeoutExpiresWithATransientError) {
    Database holder(Path());
    holder.EnableWal();
    holder.Exec("CREATE TABLE t(x INTEGER)");
    Transaction held(holder);
    Database other(Path(), Database::Mode::kReadWrite, 10);
    try {
        Transaction second(other);
        FAIL() << "two writers at once";
    } catch (const StoreError& error) {
        EXPECT_TRUE(error.Transient()) << error.what();
        EXPECT_THAT(error.what(), HasSubstr("BEGIN IMMEDIATE"));
    }
    held.Commit();
    Transaction now(other);
    now.Commit();
}

TEST_F(SqliteTest, StatementScopeResetsSoTheSnapshotIsReleased) {
    Database writer(Path());
    writer.EnableWal();
    writer.Exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)");
    Database reader(Path());
    Statement select = reader.Prepare("SELECT x FROM t");
    {
        StatementScope scope(select);
        ASSERT_TRUE(select.Step());  // one row read, more pending: a read transaction is open
        EXPECT_EQ(sqlite3_stmt_busy(select.Handle()), 1);
    }
    EXPECT_EQ(sqlite3_stmt_busy(select.Handle()), 0);
}

TEST_F(SqliteTest, MovedStatementKeepsWorking) {
    Database db(Path());
    Statement first = db.Prepare("SELECT 42");
    Statement second = std::move(first);
    EXPECT_EQ(first.Handle(), nullptr);  // NOLINT(bugprone-use-after-move): checks the moved-from state
    EXPECT_EQ(second.Sql(), "SELECT 42");
    ASSERT_TRUE(second.Step());
    EXPECT_EQ(second.Int(0), 42);
}

}  // namespace
}  // namespace cosmic::store
