#include "cosmic/store/database_url.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>

namespace cosmic::store {
namespace {

TEST(DatabaseUrlTest, SqliteAbsoluteAndRelativePaths) {
    EXPECT_EQ(ParseDatabaseUrl("sqlite:///var/lib/cosmic/a.db").path, "/var/lib/cosmic/a.db");
    EXPECT_EQ(ParseDatabaseUrl("sqlite://data/a.db").path, "data/a.db");
    EXPECT_EQ(ParseDatabaseUrl("sqlite://data/a.db").backend, Backend::kSqlite);
}

TEST(DatabaseUrlTest, PostgresIsRecognised) {
    const DatabaseUrl url = ParseDatabaseUrl("postgresql://user@db:5432/cosmic");
    EXPECT_EQ(url.backend, Backend::kPostgres);
    EXPECT_EQ(url.url, "postgresql://user@db:5432/cosmic");
    EXPECT_EQ(ParseDatabaseUrl("postgres://db/cosmic").backend, Backend::kPostgres);
}

TEST(DatabaseUrlTest, RejectsOtherSchemesAndMissingPaths) {
    EXPECT_THROW(ParseDatabaseUrl("mysql://db/x"), std::invalid_argument);
    EXPECT_THROW(ParseDatabaseUrl("/plain/path.db"), std::invalid_argument);
    EXPECT_THROW(ParseDatabaseUrl("sqlite://"), std::invalid_argument);
    EXPECT_THROW(ParseDatabaseUrl("sqlite:///"), std::invalid_argument);
}

TEST(DatabaseUrlTest, SqlitePathDefaultsToTheDataDir) {
    EXPECT_EQ(SqlitePathFromUrl("", "/data", "audit.db"), "/data/audit.db");
    EXPECT_EQ(SqlitePathFromUrl("sqlite:///x/y.db", "/data", "audit.db"), "/x/y.db");
}

TEST(DatabaseUrlTest, SqlitePathSaysPostgresIsNotSupportedYet) {
    try {
        SqlitePathFromUrl("postgresql://db/cosmic", "/data", "audit.db");
        FAIL() << "accepted PostgreSQL";
    } catch (const std::invalid_argument& error) {
        EXPECT_THAT(error.what(), ::testing::HasSubstr("not supported"));
    }
}

}  // namespace
}  // namespace cosmic::store
