#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"

#include <gtest/gtest.h>

#include <cstdio>

#include "../job_store_suite.hpp"
#include "cosmic/job_orchestrator/store/sqlite_types.hpp"
#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using testing::JobStoreSuite;
using testing::OpenStore;
using testing::TempDir;

class SqliteBackend final : public testing::StoreBackend {
  public:
    std::unique_ptr<JobStore> Open() override { return OpenStore(dir_); }

  private:
    TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreSuite,
                         ::testing::Values(testing::BackendParam{
                             "sqlite",
                             [] { return std::unique_ptr<testing::StoreBackend>(std::make_unique<SqliteBackend>()); }}),
                         testing::BackendName);

TEST(SqliteJobStoreTest, OpeningSomethingThatIsNotADatabaseFails) {
    TempDir dir;
    {
        std::FILE* file = std::fopen(dir.File("bad.db").c_str(), "w");
        ASSERT_NE(file, nullptr);
        std::fputs("this is not an SQLite database, just some text long enough to be read as a header....", file);
        std::fclose(file);
    }
    EXPECT_THROW(OpenStore(dir, "bad.db"), StoreError);
}

}  // namespace
}  // namespace cosmic::orchestrator
