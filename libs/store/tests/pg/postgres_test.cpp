// The PostgreSQL layer against a real server started by the test (integration: needs Debian's
// postgresql package; without it every test here fails saying so).
#include "cosmic/store/postgres.hpp"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/testing/postgres_server.hpp"

namespace cosmic::store::pg {
namespace {

class PostgresTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = std::make_unique<testing::PostgresServer>(); }
    static void TearDownTestSuite() { server_.reset(); }

    void SetUp() override {
        ASSERT_TRUE(server_) << "no PostgreSQL server";
        if (!server_->Running()) server_->Start();
        const std::string name = std::string("t_") + ::testing::UnitTest::GetInstance()->current_test_info()->name();
        url_ = server_->CreateDatabase(name);
    }

    static std::unique_ptr<testing::PostgresServer> server_;
    std::string url_;
};

std::unique_ptr<testing::PostgresServer> PostgresTest::server_;

TEST_F(PostgresTest, PreparedStatementsRoundTripTextIntegersNullsAndAnyBytes) {
    Connection db(url_);
    db.Exec("CREATE TABLE t (id bigint, name text, data bytea, note text)");
    const Statement insert{"insert_t", "INSERT INTO t VALUES ($1, $2, $3, $4)"};
    const std::string bytes("\x00\x01\xff\\x'\"", 7);
    db.Run(insert, Params().Add(std::int64_t{1} << 40).Add("it's").AddBytes(bytes).AddNull());
    db.Run(insert, Params().Add(2).Add("").AddBytes("").Add("x"));  // prepared once, run again
    const Result rows = db.RunOnce("SELECT id, name, data, note FROM t ORDER BY id DESC");
    ASSERT_EQ(rows.Rows(), 2);
    EXPECT_EQ(rows.Int(0, 0), std::int64_t{1} << 40);
    EXPECT_EQ(rows.Text(0, 1), "it's");
    EXPECT_EQ(rows.Bytes(0, 2), bytes);
    EXPECT_TRUE(rows.IsNull(0, 3));
    EXPECT_EQ(rows.Bytes(1, 2), "");
    EXPECT_FALSE(rows.IsNull(1, 2));
    const std::array<std::int64_t, 2> ids{1, 2};
    EXPECT_EQ(db.RunOnce("DELETE FROM t WHERE id = ANY($1::bigint[])", Params().AddArray(ids)).Affected(), 1);
}

TEST_F(PostgresTest, ErrorsNameTheStatementAndAreClassified) {
    Connection db(url_);
    db.Exec("CREATE TABLE u (k text PRIMARY KEY)");
    db.RunOnce("INSERT INTO u VALUES ($1)", Params().Add("a"));
    try {
        db.RunOnce("INSERT INTO u VALUES ($1)", Params().Add("a"));
        FAIL() << "a duplicate key was accepted";
    } catch (const PgError& error) {
        EXPECT_TRUE(error.UniqueViolation());
        EXPECT_FALSE(error.Transient());
        EXPECT_NE(std::string(error.what()).find("INSERT INTO u"), std::string::npos) << error.what();
    }
    try {
        db.Exec("SELEC 1");
        FAIL();
    } catch (const PgError& error) {
        EXPECT_EQ(error.SqlState(), "42601");
        EXPECT_FALSE(error.Transient());
    }
    EXPECT_TRUE(PgError("", "40001", false).Transient());
    EXPECT_TRUE(PgError("", "57P01", false).Transient());
    EXPECT_TRUE(PgError("", "08006", false).Transient());
    EXPECT_TRUE(PgError("", "", true).Transient());
}

TEST_F(PostgresTest, ConnectFailureIsTransientAndHidesThePassword) {
    try {
        Connection db("postgresql://cosmic:secret@127.0.0.1:1/nowhere?connect_timeout=2");
        FAIL();
    } catch (const PgError& error) {
        EXPECT_TRUE(error.Transient());
        EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos) << error.what();
    }
}

TEST_F(PostgresTest, TransactionRollsBackUnlessCommitted) {
    Connection db(url_);
    db.Exec("CREATE TABLE t (x int)");
    {
        Transaction tx(db);
        db.Exec("INSERT INTO t VALUES (1)");
    }
    {
        Transaction tx(db);
        db.Exec("INSERT INTO t VALUES (2)");
        tx.Commit();
    }
    const Result rows = db.Exec("SELECT x FROM t");
    ASSERT_EQ(rows.Rows(), 1);
    EXPECT_EQ(rows.Int(0, 0), 2);
}

TEST_F(PostgresTest, PoolIsBoundedAndReusesConnections) {
    PoolOptions options;
    options.url = url_;
    options.size = 2;
    options.acquire_timeout = std::chrono::milliseconds(200);
    Pool pool(options);
    {
        Pool::Lease a = pool.Acquire();
        Pool::Lease b = pool.Acquire();
        EXPECT_EQ(pool.Open(), 2u);
        try {
            Pool::Lease c = pool.Acquire();
            FAIL() << "a third connection from a pool of 2";
        } catch (const PgError& error) {
            EXPECT_TRUE(error.Transient());
        }
    }
    Pool::Lease again = pool.Acquire();
    EXPECT_EQ(pool.Open(), 2u);
}

TEST_F(PostgresTest, WithRetryRidesOutAServerRestart) {
    PoolOptions options;
    options.url = url_;
    options.size = 1;
    Pool pool(options);
    WithRetry(pool, [](Connection& db) { db.Exec("CREATE TABLE t (x int)"); });
    server_->Stop();
    std::atomic<bool> restarted{false};
    std::thread restart([&] {
        server_->Start();
        restarted = true;
    });
    RetryOptions retry;
    retry.deadline = std::chrono::seconds(60);
    WithRetry(
        pool, [](Connection& db) { db.Exec("INSERT INTO t VALUES (1)"); }, retry);
    restart.join();
    EXPECT_TRUE(restarted);
    Connection db(url_);
    EXPECT_EQ(db.Exec("SELECT count(*) FROM t").Int(0, 0), 1);
}

constexpr std::array<Migration, 2> kMigrations{{
    {1, "create items", "CREATE TABLE items (id bigint PRIMARY KEY)"},
    {2, "add a name", "ALTER TABLE items ADD COLUMN name text NOT NULL DEFAULT ''"},
}};

TEST_F(PostgresTest, MigrationsApplyOnceEvenWhenReplicasStartTogether) {
    std::vector<std::thread> replicas;
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i) {
        replicas.emplace_back([&] {
            try {
                Connection db(url_);
                if (Migrate(db, "items", kMigrations) != 2) ++failures;
            } catch (const std::exception&) {
                ++failures;
            }
        });
    }
    for (std::thread& replica : replicas) replica.join();
    EXPECT_EQ(failures, 0);
    Connection db(url_);
    EXPECT_EQ(db.Exec("SELECT count(*) FROM cosmic_schema_migrations WHERE component = 'items'").Int(0, 0), 2);
    db.Exec("INSERT INTO items(id, name) VALUES (1, 'x')");
    EXPECT_EQ(Migrate(db, "items", kMigrations), 2);  // idempotent
}

TEST_F(PostgresTest, ANewerSchemaIsRefused) {
    Connection db(url_);
    Migrate(db, "items", kMigrations);
    EXPECT_THROW(Migrate(db, "items", std::span<const Migration>(kMigrations).first(1)), PgError);
}

}  // namespace
}  // namespace cosmic::store::pg
