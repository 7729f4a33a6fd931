#include "cosmic/job_orchestrator/job_service.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cosmic/kafka/headers.hpp"
#include "cosmic/telemetry/trace.hpp"
#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using testing::MakeSubmit;
using testing::OpenStore;
using testing::ParseRow;
using testing::PendingRows;
using testing::TempDir;
using testing::UserContext;

class JobServiceTest : public ::testing::Test {
  protected:
    JobServiceTest() : store_(OpenStore(dir_)) {
        JobServiceHooks hooks;
        hooks.outbox_written = [this] { ++notified_; };
        hooks.job_queued = [this] { ++queued_; };
        hooks.transition = [this](const Job&, std::optional<JobState> from, JobState to) {
            transitions_.push_back((from ? std::string(ToString(*from)) : "none") + ">" + std::string(ToString(to)));
        };
        jobs_ = std::make_unique<JobService>(*store_, std::move(hooks));
    }

    std::string SubmitRunning(const std::string& user) {
        JobResult submitted = jobs_->Submit(MakeSubmit(), UserContext(user));
        EXPECT_TRUE(submitted);
        EXPECT_TRUE(jobs_->Start(submitted.job.job_id, kExternalExecutor, UserContext(user)));
        return submitted.job.job_id;
    }

    TempDir dir_;
    std::unique_ptr<SqliteJobStore> store_;
    std::unique_ptr<JobService> jobs_;
    int notified_ = 0;
    int queued_ = 0;
    std::vector<std::string> transitions_;
};

TEST_F(JobServiceTest, SubmitCreatesAndQueuesWithLifecycleAndAuditEvents) {
    const RequestContext context = UserContext("u1", false, "corr-42");
    const JobResult result = jobs_->Submit(MakeSubmit("render", "imaging", 7), context);
    ASSERT_TRUE(result);
    EXPECT_TRUE(result.created);
    EXPECT_EQ(result.job.state, JobState::kQueued);
    EXPECT_EQ(result.job.user_id, "u1");
    EXPECT_EQ(result.job.priority, 7);
    EXPECT_EQ(transitions_, (std::vector<std::string>{"none>submitted", "submitted>queued"}));
    EXPECT_EQ(queued_, 1);
    EXPECT_GE(notified_, 1);

    const auto rows = PendingRows(*store_);
    ASSERT_EQ(rows.size(), 4u);
    const std::vector<std::string> types = {"job.submitted", "audit.state_change", "job.queued", "audit.state_change"};
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const schema::Event event = ParseRow(rows[i]);
        EXPECT_EQ(event.event_type, types[i]);
        EXPECT_EQ(event.correlation_id, "corr-42");
        EXPECT_EQ(event.user_id, "u1");
        EXPECT_EQ(event.source, "job-orchestrator");
        EXPECT_EQ(rows[i].key, result.job.job_id);
        EXPECT_EQ(rows[i].seq, static_cast<std::int64_t>(i + 1));
        if (event.topic == schema::TopicId::kAuditTrail) {
            EXPECT_EQ(event.resource_id, result.job.job_id);
            EXPECT_EQ(event.action, schema::AuditAction::kStateChange);
        } else {
            EXPECT_EQ(event.job_id, result.job.job_id);
        }
        kafka::Headers headers;
        ASSERT_TRUE(DecodeHeaders(rows[i].headers, headers));
        std::map<std::string, std::string> by_name;
        for (const auto& h : headers) by_name[h.name] = h.value;
        EXPECT_EQ(by_name["event_type"], types[i]);
        EXPECT_EQ(by_name["correlation_id"], "corr-42");
        EXPECT_EQ(by_name["content-type"], "application/json");
        EXPECT_EQ(by_name["schema_version"], "1");
        EXPECT_EQ(by_name["traceparent"], context.traceparent);
        EXPECT_TRUE(telemetry::ParseTraceparent(by_name["traceparent"]));
    }
    EXPECT_NE(rows[1].value.find(R"("from":null)"), std::string::npos);
    EXPECT_NE(rows[3].value.find(R"("from":"submitted","to":"queued")"), std::string::npos);
}

TEST_F(JobServiceTest, IncomingTraceparentIsContinuedNotCopied) {
    const std::string incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const RequestContext context = MakeContext(Actor{ActorKind::kUser, "u1", false}, "", incoming);
    const auto parsed = telemetry::ParseTraceparent(context.traceparent);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_NE(context.traceparent, incoming);
    EXPECT_FALSE(context.correlation_id.empty());
}

TEST_F(JobServiceTest, IdempotentSubmitReturnsTheSameJobWithoutNewEvents) {
    SubmitRequest request = MakeSubmit();
    request.idempotency_key = "abc";
    const JobResult first = jobs_->Submit(request, UserContext("u1"));
    ASSERT_TRUE(first);
    const std::size_t rows = PendingRows(*store_).size();
    const JobResult second = jobs_->Submit(request, UserContext("u1"));
    ASSERT_TRUE(second);
    EXPECT_FALSE(second.created);
    EXPECT_EQ(second.job.job_id, first.job.job_id);
    EXPECT_EQ(PendingRows(*store_).size(), rows);

    request.name = "different";
    const JobResult mismatch = jobs_->Submit(request, UserContext("u1"));
    ASSERT_FALSE(mismatch);
    EXPECT_EQ(mismatch.error->code, JobErrorCode::kIdempotencyMismatch);
    // Another user with the same key gets its own job.
    const JobResult other = jobs_->Submit(MakeSubmit(), [] {
        RequestContext c = UserContext("u2");
        return c;
    }());
    EXPECT_TRUE(other);
}

TEST_F(JobServiceTest, ForbiddenTransitionsAreRejectedWithTheCurrentStateAndWriteNothing) {
    const JobResult submitted = jobs_->Submit(MakeSubmit(), UserContext("u1"));
    const std::string id = submitted.job.job_id;
    const std::size_t rows = PendingRows(*store_).size();
    const JobResult complete = jobs_->Complete(id, 10, UserContext("u1"));
    ASSERT_FALSE(complete);
    EXPECT_EQ(complete.error->code, JobErrorCode::kConflict);
    EXPECT_EQ(complete.error->current, JobState::kQueued);
    EXPECT_EQ(PendingRows(*store_).size(), rows);

    ASSERT_TRUE(jobs_->Cancel(id, "not needed", UserContext("u1")));
    const JobResult again = jobs_->Cancel(id, "twice", UserContext("u1"));
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error->current, JobState::kCancelled);
    EXPECT_EQ(store_->Get(id)->reason, "not needed");
}

TEST_F(JobServiceTest, OtherUsersCannotSeeOrTouchAJobButAnAdminCan) {
    const std::string id = jobs_->Submit(MakeSubmit(), UserContext("alice")).job.job_id;
    EXPECT_FALSE(jobs_->Get(id, Actor{ActorKind::kUser, "bob", false}));
    const JobResult cancel = jobs_->Cancel(id, "mine now", UserContext("bob"));
    ASSERT_FALSE(cancel);
    EXPECT_EQ(cancel.error->code, JobErrorCode::kNotFound);
    EXPECT_EQ(store_->Get(id)->state, JobState::kQueued);

    EXPECT_TRUE(jobs_->Get(id, Actor{ActorKind::kUser, "root", true}));
    const JobResult admin_cancel = jobs_->Cancel(id, "admin says so", UserContext("root", true));
    ASSERT_TRUE(admin_cancel);
    // The lifecycle event belongs to the owner; the audit event names the admin who acted.
    const auto rows = PendingRows(*store_);
    const schema::Event lifecycle = ParseRow(rows[rows.size() - 2]);
    const schema::Event audit = ParseRow(rows.back());
    EXPECT_EQ(lifecycle.event_type, "job.cancelled");
    EXPECT_EQ(lifecycle.user_id, "alice");
    EXPECT_EQ(lifecycle.reason, "admin says so");
    EXPECT_EQ(audit.user_id, "root");
    EXPECT_NE(audit.payload.find(R"("admin":true)"), std::string::npos);
}

TEST_F(JobServiceTest, ListShowsOnlyTheActorsJobsUnlessAdmin) {
    jobs_->Submit(MakeSubmit(), UserContext("alice"));
    jobs_->Submit(MakeSubmit(), UserContext("alice"));
    jobs_->Submit(MakeSubmit(), UserContext("bob"));
    JobQuery query;
    query.user_id = "bob";  // ignored for a non-admin: the token decides
    EXPECT_EQ(jobs_->List(query, Actor{ActorKind::kUser, "alice", false}).jobs.size(), 2u);
    EXPECT_EQ(jobs_->List(JobQuery{}, Actor{ActorKind::kUser, "root", true}).jobs.size(), 3u);
}

TEST_F(JobServiceTest, CompleteCarriesExecutionTimeAndTheFinalSampleInTheSameChange) {
    const std::string id = SubmitRunning("u1");
    const std::size_t before = PendingRows(*store_).size();
    schema::MetricsSample sample;
    sample.cpu_percent = 42;
    sample.memory_mb = 512;
    sample.sampled_at = schema::FormatTimestamp(schema::NowEpochMs());
    const JobResult done = jobs_->Complete(id, 1234, UserContext("u1"), sample);
    ASSERT_TRUE(done);
    EXPECT_EQ(done.job.execution_time_ms, 1234);
    const auto rows = PendingRows(*store_);
    ASSERT_EQ(rows.size(), before + 3);
    const schema::Event metrics = ParseRow(rows[before]);
    const schema::Event completed = ParseRow(rows[before + 1]);
    EXPECT_EQ(metrics.event_type, "job.metrics");
    EXPECT_EQ(metrics.sample.execution_time_ms, 1234);
    EXPECT_EQ(metrics.sample.cpu_percent, 42);
    EXPECT_EQ(completed.event_type, "job.completed");
    EXPECT_EQ(completed.execution_time_ms, 1234);
}

TEST_F(JobServiceTest, FailAndCancelCarryTheirPayloads) {
    const std::string failed = SubmitRunning("u1");
    ASSERT_TRUE(jobs_->Fail(failed, "disk full", "E_DISK", std::nullopt, UserContext("u1")));
    auto rows = PendingRows(*store_);
    const schema::Event failed_event = ParseRow(rows[rows.size() - 2]);
    EXPECT_EQ(failed_event.event_type, "job.failed");
    EXPECT_EQ(failed_event.error, "disk full");
    EXPECT_EQ(failed_event.error_code, "E_DISK");
    ASSERT_TRUE(failed_event.execution_time_ms);  // measured from the start

    const std::string running = SubmitRunning("u1");
    ASSERT_TRUE(jobs_->Cancel(running, "user asked", UserContext("u1")));
    rows = PendingRows(*store_);
    const schema::Event cancelled = ParseRow(rows[rows.size() - 2]);
    EXPECT_EQ(cancelled.event_type, "job.cancelled");
    EXPECT_EQ(cancelled.reason, "user asked");
    EXPECT_TRUE(cancelled.execution_time_ms);
}

TEST_F(JobServiceTest, SamplesAreWrittenOnlyForRunningJobs) {
    const std::string running = SubmitRunning("u1");
    const JobResult queued = jobs_->Submit(MakeSubmit(), UserContext("u1"));
    schema::MetricsSample sample;
    sample.sampled_at = schema::FormatTimestamp(schema::NowEpochMs());
    std::vector<std::pair<Job, schema::MetricsSample>> samples = {{*store_->Get(running), sample},
                                                                  {queued.job, sample}};
    EXPECT_EQ(jobs_->RecordSamples(samples), 1u);
    const auto rows = PendingRows(*store_);
    const schema::Event event = ParseRow(rows.back());
    EXPECT_EQ(event.event_type, "job.metrics");
    EXPECT_EQ(event.job_id, running);
}

TEST_F(JobServiceTest, UnknownJobIsNotFound) {
    const JobResult result = jobs_->Cancel("no-such-job", "x", UserContext("u1"));
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error->code, JobErrorCode::kNotFound);
    EXPECT_TRUE(transitions_.empty());
}

}  // namespace
}  // namespace cosmic::orchestrator
