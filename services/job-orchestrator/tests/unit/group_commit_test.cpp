#include "cosmic/job_orchestrator/store/group_commit.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using testing::TempDir;

class GroupCommitTest : public ::testing::Test {
  protected:
    GroupCommitTest() : db_(dir_.File("g.db")), committer_((Init(db_), db_)) {}

    static void Init(Database& db) {
        db.Exec("PRAGMA journal_mode=WAL");
        db.Exec("CREATE TABLE t (k TEXT PRIMARY KEY)");
    }

    std::int64_t Count() {
        Statement s = db_.Prepare("SELECT count(*) FROM t");
        s.Step();
        return s.Int(0);
    }

    void Insert(const std::string& key) {
        Statement s = db_.Prepare("INSERT INTO t(k) VALUES(?)");
        s.Bind(1, key).Run();
    }

    TempDir dir_;
    Database db_;
    GroupCommitter committer_;
};

TEST_F(GroupCommitTest, ALoneCallerCommitsItsOwnWork) {
    committer_.Run([&] { Insert("a"); });
    EXPECT_EQ(Count(), 1);
    EXPECT_EQ(committer_.Commits(), 1u);
    EXPECT_EQ(committer_.Pieces(), 1u);
}

TEST_F(GroupCommitTest, AFailingPieceRollsBackAloneAndRethrowsToItsCaller) {
    EXPECT_THROW(committer_.Run([&] {
        Insert("half");
        throw std::runtime_error("decided against it");
    }),
                 std::runtime_error);
    // A constraint violation inside a piece is that piece's error too.
    committer_.Run([&] { Insert("x"); });
    EXPECT_THROW(committer_.Run([&] { Insert("x"); }), StoreError);
    EXPECT_EQ(Count(), 1);
}

TEST_F(GroupCommitTest, ConcurrentCallersShareCommitsAndEveryPieceLandsOnce) {
    constexpr int kThreads = 8;
    constexpr int kEach = 200;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kEach; ++i) {
                const std::string key = std::to_string(t) + "-" + std::to_string(i);
                try {
                    committer_.Run([&] {
                        Insert(key);
                        // Every tenth piece of thread 0 fails; its neighbours in the group must not.
                        if (t == 0 && i % 10 == 0) throw std::runtime_error("no");
                    });
                } catch (const std::runtime_error&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(failures.load(), kEach / 10);
    EXPECT_EQ(Count(), kThreads * kEach - kEach / 10);
    EXPECT_EQ(committer_.Pieces(), static_cast<std::uint64_t>(kThreads * kEach));
    EXPECT_LE(committer_.Commits(), committer_.Pieces());
}

}  // namespace
}  // namespace cosmic::orchestrator
