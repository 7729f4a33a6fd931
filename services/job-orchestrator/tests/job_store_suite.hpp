#pragma once
// The job store's behaviour, one suite for both backends: each test binary instantiates it with
// the backends it can run (SQLite in the unit tests, SQLite and PostgreSQL in the integration
// tests), so both implementations answer the same questions the same way.

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "cosmic/job_orchestrator/job_state.hpp"
#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/job_orchestrator/outbox_message.hpp"
#include "unit/test_support.hpp"

namespace cosmic::orchestrator::testing {

/// Where a test's store lives. Open() again opens the same data (a restart, another replica).
class StoreBackend {
  public:
    virtual ~StoreBackend() = default;
    virtual std::unique_ptr<JobStore> Open() = 0;
};

struct BackendParam {
    std::string name;
    std::function<std::unique_ptr<StoreBackend>()> make;
};

inline void PrintTo(const BackendParam& param, std::ostream* out) { *out << param.name; }

inline std::string BackendName(const ::testing::TestParamInfo<BackendParam>& info) { return info.param.name; }

class JobStoreSuite : public ::testing::TestWithParam<BackendParam> {
  protected:
    void SetUp() override { backend_ = GetParam().make(); }
    std::unique_ptr<JobStore> Open() { return backend_->Open(); }

    std::unique_ptr<StoreBackend> backend_;
};

namespace suite {

using Msgs = std::vector<OutboxMessage>;

inline Job NewJob(const std::string& id, const std::string& user, JobState state = JobState::kSubmitted,
                  std::int64_t now_ms = 1'000, int priority = 5) {
    Job job;
    job.job_id = id;
    job.user_id = user;
    job.name = "job " + id;
    job.kind = "imaging";
    job.priority = priority;
    job.state = state;
    job.created_at_ms = now_ms;
    job.updated_at_ms = now_ms;
    job.correlation_id = "corr-" + id;
    job.traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    return job;
}

inline OutboxMessage Message(const std::string& job_id, const std::string& type,
                             const std::string& topic = "job-lifecycle") {
    OutboxMessage message;
    message.job_id = job_id;
    message.topic = topic;
    message.key = job_id;
    message.event_id = job_id + "/" + type;
    message.event_type = type;
    message.value = "{\"event_type\":\"" + type + "\"}";
    EncodeHeaders({{"event_type", type}}, message.headers);
    return message;
}

/// Moves `job_id` to `to` (unconditionally) with one event.
inline UpdateResult Move(JobStore& store, const std::string& job_id, JobState to, std::int64_t now_ms = 2'000) {
    return store.Update(job_id, [&](const Job&, Job& next, std::vector<OutboxMessage>& events) {
        next.state = to;
        next.updated_at_ms = now_ms;
        events.push_back(Message(job_id, std::string(LifecycleEventType(to))));
        return true;
    });
}

TEST_P(JobStoreSuite, CreateWritesTheJobAndItsEventsWithPerJobSequence) {
    auto store = Open();
    const std::vector<OutboxMessage> events = {Message("j1", "job.submitted"),
                                               Message("j1", "audit.state_change", "audit-trail")};
    const CreateResult created = store->Create(NewJob("j1", "u1"), "", "", events);
    ASSERT_EQ(created.status, CreateStatus::kCreated);
    EXPECT_GT(created.job.position, 0);
    EXPECT_EQ(created.job.event_seq, 2);

    const auto job = store->Get("j1");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->user_id, "u1");
    EXPECT_EQ(job->state, JobState::kSubmitted);
    EXPECT_EQ(job->correlation_id, "corr-j1");
    EXPECT_EQ(job->event_seq, 2);

    const auto rows = PendingRows(*store);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].seq, 1);
    EXPECT_EQ(rows[1].seq, 2);
    EXPECT_LT(rows[0].id, rows[1].id);
    EXPECT_EQ(rows[1].topic, "audit-trail");
    EXPECT_EQ(rows[0].value, events[0].value);
    EXPECT_EQ(rows[0].headers, events[0].headers);
    EXPECT_FALSE(store->Get("nope"));
}

TEST_P(JobStoreSuite, SameIdempotencyKeyReturnsTheFirstJobAndWritesNothing) {
    auto store = Open();
    ASSERT_EQ(store->Create(NewJob("j1", "u1"), "key-1", "hash-a", Msgs{Message("j1", "job.submitted")}).status,
              CreateStatus::kCreated);
    const CreateResult again =
        store->Create(NewJob("j2", "u1"), "key-1", "hash-a", Msgs{Message("j2", "job.submitted")});
    EXPECT_EQ(again.status, CreateStatus::kExisting);
    EXPECT_EQ(again.job.job_id, "j1");
    const CreateResult other =
        store->Create(NewJob("j3", "u1"), "key-1", "hash-b", Msgs{Message("j3", "job.submitted")});
    EXPECT_EQ(other.status, CreateStatus::kKeyMismatch);
    EXPECT_EQ(other.job.job_id, "j1");
    // Keys are per user: another user's "key-1" is a different key.
    EXPECT_EQ(store->Create(NewJob("j4", "u2"), "key-1", "hash-a", Msgs{Message("j4", "job.submitted")}).status,
              CreateStatus::kCreated);
    EXPECT_FALSE(store->Get("j2"));
    EXPECT_FALSE(store->Get("j3"));
    EXPECT_EQ(PendingRows(*store).size(), 2u);
}

TEST_P(JobStoreSuite, DuplicateJobIdIsRefusedWithTheExistingJob) {
    auto store = Open();
    ASSERT_EQ(store->Create(NewJob("j1", "u1"), "", "", {}).status, CreateStatus::kCreated);
    const CreateResult again = store->Create(NewJob("j1", "u2"), "", "", Msgs{Message("j1", "job.submitted")});
    EXPECT_EQ(again.status, CreateStatus::kDuplicateId);
    EXPECT_EQ(again.job.user_id, "u1");
    EXPECT_TRUE(PendingRows(*store).empty());
}

TEST_P(JobStoreSuite, UpdateAppliesOrRejectsAtomically) {
    auto store = Open();
    store->Create(NewJob("j1", "u1"), "", "", Msgs{Message("j1", "job.submitted")});

    const UpdateResult applied = Move(*store, "j1", JobState::kQueued);
    ASSERT_EQ(applied.status, UpdateStatus::kApplied);
    EXPECT_EQ(applied.job.state, JobState::kQueued);
    EXPECT_EQ(applied.job.event_seq, 2);

    const UpdateResult rejected =
        store->Update("j1", [](const Job& current, Job& next, std::vector<OutboxMessage>& events) {
            EXPECT_EQ(current.state, JobState::kQueued);
            next.state = JobState::kFailed;
            events.push_back(Message("j1", "job.failed"));
            return false;
        });
    EXPECT_EQ(rejected.status, UpdateStatus::kRejected);
    EXPECT_EQ(rejected.job.state, JobState::kQueued);
    EXPECT_EQ(store->Get("j1")->state, JobState::kQueued);
    EXPECT_EQ(Move(*store, "missing", JobState::kQueued).status, UpdateStatus::kNotFound);

    const auto rows = PendingRows(*store);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].event_id, "j1/job.queued");
    EXPECT_EQ(rows[1].seq, 2);
}

TEST_P(JobStoreSuite, AnExceptionInsideTheDecisionWritesNothing) {
    auto store = Open();
    store->Create(NewJob("j1", "u1"), "", "", {});
    EXPECT_THROW(store->Update("j1",
                               [](const Job&, Job& next, std::vector<OutboxMessage>& events) -> bool {
                                   next.state = JobState::kQueued;
                                   events.push_back(Message("j1", "job.queued"));
                                   throw std::runtime_error("boom");
                               }),
                 std::runtime_error);
    EXPECT_EQ(store->Get("j1")->state, JobState::kSubmitted);
    EXPECT_TRUE(PendingRows(*store).empty());
    // The store is still usable afterwards.
    EXPECT_EQ(Move(*store, "j1", JobState::kQueued).status, UpdateStatus::kApplied);
}

TEST_P(JobStoreSuite, AppendEventsSkipsJobsNotInTheRequiredState) {
    auto store = Open();
    store->Create(NewJob("run", "u1", JobState::kRunning), "", "", {});
    store->Create(NewJob("done", "u1", JobState::kCompleted), "", "", {});
    const std::vector<OutboxMessage> samples = {
        Message("run", "job.metrics", "job-metrics"), Message("done", "job.metrics", "job-metrics"),
        Message("gone", "job.metrics", "job-metrics"), Message("run", "job.metrics", "job-metrics")};
    EXPECT_EQ(store->AppendEvents(samples, JobState::kRunning), 2u);
    const auto rows = PendingRows(*store);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].job_id, "run");
    EXPECT_EQ(rows[0].seq, 1);
    EXPECT_EQ(rows[1].seq, 2);
    EXPECT_EQ(store->Get("run")->event_seq, 2);
}

TEST_P(JobStoreSuite, PendingRowsComeInIdOrderAfterTheCursorAndMarkSentRemovesThem) {
    auto store = Open();
    for (int i = 0; i < 10; ++i) {
        const std::string id = "j" + std::to_string(i);
        store->Create(NewJob(id, "u1"), "", "", Msgs{Message(id, "job.submitted")});
    }
    std::vector<OutboxRow> rows;
    store->ReadPending(0, 4, rows);
    ASSERT_EQ(rows.size(), 4u);
    store->ReadPending(rows.back().id, 100, rows);
    ASSERT_EQ(rows.size(), 6u);
    EXPECT_EQ(rows.front().job_id, "j4");

    const auto all = PendingRows(*store);
    // Two ranges and a single id: 0-2, 4-5, 9.
    const std::vector<std::int64_t> sent = {all[0].id, all[1].id, all[2].id, all[5].id, all[4].id, all[9].id};
    store->MarkSent(sent, 5'000);
    const auto left = PendingRows(*store);
    std::vector<std::string> ids;
    for (const auto& row : left) ids.push_back(row.job_id);
    EXPECT_EQ(ids, (std::vector<std::string>{"j3", "j6", "j7", "j8"}));
    const OutboxStats stats = store->Outbox();
    EXPECT_EQ(stats.pending, 4);
    ASSERT_TRUE(stats.oldest_pending_ms);
}

TEST_P(JobStoreSuite, OutboxStatsAreEmptyWhenEverythingIsSent) {
    auto store = Open();
    EXPECT_EQ(store->Outbox().pending, 0);
    EXPECT_FALSE(store->Outbox().oldest_pending_ms);
    store->Create(NewJob("j1", "u1"), "", "", Msgs{Message("j1", "job.submitted")});
    const auto rows = PendingRows(*store);
    store->MarkSent(std::vector<std::int64_t>{rows[0].id}, 1);
    EXPECT_EQ(store->Outbox().pending, 0);
    EXPECT_FALSE(store->Outbox().oldest_pending_ms);
}

TEST_P(JobStoreSuite, ListPagesNewestFirstFilteredByUserAndState) {
    auto store = Open();
    for (int i = 0; i < 7; ++i) {
        const std::string id = "a" + std::to_string(i);
        store->Create(NewJob(id, "alice", i % 2 == 0 ? JobState::kQueued : JobState::kRunning), "", "", {});
        store->Create(NewJob("b" + std::to_string(i), "bob"), "", "", {});
    }
    JobQuery query;
    query.user_id = "alice";
    query.limit = 3;
    std::vector<std::string> seen;
    for (;;) {
        const JobPage page = store->List(query);
        for (const Job& job : page.jobs) {
            EXPECT_EQ(job.user_id, "alice");
            seen.push_back(job.job_id);
        }
        if (!page.next_position) break;
        query.before_position = page.next_position;
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"a6", "a5", "a4", "a3", "a2", "a1", "a0"}));

    JobQuery running;
    running.user_id = "alice";
    running.state = JobState::kRunning;
    running.limit = 10;
    const JobPage page = store->List(running);
    ASSERT_EQ(page.jobs.size(), 3u);
    EXPECT_FALSE(page.next_position);
    for (const Job& job : page.jobs) EXPECT_EQ(job.state, JobState::kRunning);

    JobQuery everyone;
    everyone.limit = 100;
    EXPECT_EQ(store->List(everyone).jobs.size(), 14u);
    const JobCounts counts = store->CountByState();
    EXPECT_EQ(counts[static_cast<std::size_t>(JobState::kSubmitted)], 7);
    EXPECT_EQ(counts[static_cast<std::size_t>(JobState::kQueued)], 4);
    EXPECT_EQ(counts[static_cast<std::size_t>(JobState::kRunning)], 3);
}

TEST_P(JobStoreSuite, NextQueuedTakesHighestPriorityThenOldest) {
    auto store = Open();
    store->Create(NewJob("low", "u", JobState::kQueued, 1, 1), "", "", {});
    store->Create(NewJob("high-old", "u", JobState::kQueued, 2, 9), "", "", {});
    store->Create(NewJob("mid", "u", JobState::kQueued, 3, 5), "", "", {});
    store->Create(NewJob("high-new", "u", JobState::kQueued, 4, 9), "", "", {});
    store->Create(NewJob("running", "u", JobState::kRunning, 5, 9), "", "", {});
    std::vector<std::string> order;
    for (const Job& job : store->NextQueued(10)) order.push_back(job.job_id);
    EXPECT_EQ(order, (std::vector<std::string>{"high-old", "high-new", "mid", "low"}));
    EXPECT_EQ(store->NextQueued(1).size(), 1u);
}

TEST_P(JobStoreSuite, PruneDeletesOldSentRowsKeysAndFinishedJobsOnly) {
    auto store = Open();
    store->Create(NewJob("old-done", "u", JobState::kCompleted, 100), "k-old", "h", Msgs{Message("old-done", "x")});
    store->Create(NewJob("old-queued", "u", JobState::kQueued, 100), "", "", Msgs{Message("old-queued", "x")});
    store->Create(NewJob("new-done", "u", JobState::kCompleted, 10'000), "k-new", "h", Msgs{Message("new-done", "x")});
    auto rows = PendingRows(*store);
    ASSERT_EQ(rows.size(), 3u);
    // Rows are stamped with the job's updated_at; mark the first two sent.
    store->MarkSent(std::vector<std::int64_t>{rows[0].id, rows[1].id}, 200);

    PruneRequest request;
    request.sent_before_ms = 5'000;
    request.idempotency_before_ms = 5'000;
    request.terminal_jobs_before_ms = 5'000;
    request.chunk = 1;  // exercise the chunk loop
    const PruneResult result = store->Prune(request);
    EXPECT_EQ(result.outbox_rows, 2);
    EXPECT_EQ(result.idempotency_keys, 1);
    EXPECT_EQ(result.jobs, 1);
    EXPECT_FALSE(store->Get("old-done"));
    EXPECT_TRUE(store->Get("old-queued"));  // not finished: kept
    EXPECT_TRUE(store->Get("new-done"));
    EXPECT_EQ(PendingRows(*store).size(), 1u);  // pending rows are never pruned
    // The pruned key is free again; the recent one is not.
    EXPECT_EQ(store->Create(NewJob("again", "u"), "k-old", "h", {}).status, CreateStatus::kCreated);
    EXPECT_EQ(store->Create(NewJob("again2", "u"), "k-new", "h", {}).status, CreateStatus::kExisting);
}

TEST_P(JobStoreSuite, OutboxIdsNeverGoBackAfterPruningTheNewestRows) {
    std::int64_t last_id = 0;
    {
        auto store = Open();
        store->Create(NewJob("j1", "u"), "", "", Msgs{Message("j1", "x")});
        const auto rows = PendingRows(*store);
        last_id = rows.back().id;
        store->MarkSent(std::vector<std::int64_t>{last_id}, 0);
        PruneRequest request;
        request.sent_before_ms = 1'000'000;
        request.idempotency_before_ms = 0;
        EXPECT_EQ(store->Prune(request).outbox_rows, 1);
    }
    auto store = Open();  // reopen: the next id still comes after the pruned one
    store->Create(NewJob("j2", "u"), "", "", Msgs{Message("j2", "x")});
    const auto rows = PendingRows(*store);
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_GT(rows[0].id, last_id);
}

TEST_P(JobStoreSuite, DataSurvivesReopening) {
    {
        auto store = Open();
        store->Create(NewJob("j1", "u1"), "key", "h", Msgs{Message("j1", "job.submitted")});
        Move(*store, "j1", JobState::kQueued);
    }
    auto store = Open();
    ASSERT_TRUE(store->Get("j1"));
    EXPECT_EQ(store->Get("j1")->state, JobState::kQueued);
    EXPECT_EQ(PendingRows(*store).size(), 2u);
    EXPECT_EQ(store->Create(NewJob("j2", "u1"), "key", "h", {}).status, CreateStatus::kExisting);
}

}  // namespace suite
}  // namespace cosmic::orchestrator::testing
