#include "cosmic/job_orchestrator/command_handler.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using testing::OpenStore;
using testing::PendingRows;
using testing::TempDir;

class CommandHandlerTest : public ::testing::Test {
  protected:
    CommandHandlerTest() : store_(OpenStore(dir_)), jobs_(*store_, JobServiceHooks{}), handler_(jobs_) {}

    static schema::Event Command(const std::string& type, const std::string& job_id, const std::string& payload,
                                 const std::string& user = "u1") {
        schema::Event event = schema::NewEvent(schema::TopicId::kJobCommands, type, "external-executor");
        event.job_id = job_id;
        event.user_id = user;
        event.correlation_id = "corr-cmd";
        event.payload = payload;
        return event;
    }

    kafka::Outcome Handle(const schema::Event& event) { return handler_.Handle(event, kafka::Delivery{}); }

    /// The dead letter's class when `event` is dead-lettered with a reason, else a description
    /// of what happened instead (so a mismatch prints it).
    std::string DeadLetterClass(const schema::Event& event) {
        const kafka::Outcome outcome = Handle(event);
        if (!outcome.IsDeadLetter()) return "not a dead letter";
        if (outcome.Reason().empty()) return "no reason";
        return outcome.ErrorClass();
    }

    TempDir dir_;
    std::unique_ptr<SqliteJobStore> store_;
    JobService jobs_;
    CommandHandler handler_;
};

TEST_F(CommandHandlerTest, SubmitCreatesAQueuedJobWithTheCommandsIdAndUser) {
    EXPECT_EQ(
        Handle(Command("command.submit", "job-a", R"({"name":"n","kind":"k","priority":8,"parameters":{"x":1}})")),
        kafka::Outcome::kOk);
    const auto job = store_->Get("job-a");
    ASSERT_TRUE(job);
    EXPECT_EQ(job->user_id, "u1");
    EXPECT_EQ(job->state, JobState::kQueued);
    EXPECT_EQ(job->priority, 8);
    EXPECT_EQ(job->parameters, R"({"x":1})");
    EXPECT_EQ(job->correlation_id, "corr-cmd");
    const std::size_t rows = PendingRows(*store_).size();
    // Redelivery of the same command: no second job, no second event.
    EXPECT_EQ(Handle(Command("command.submit", "job-a", R"({"name":"n","kind":"k"})")), kafka::Outcome::kOk);
    EXPECT_EQ(PendingRows(*store_).size(), rows);
    // The same id from another user can never apply.
    EXPECT_EQ(DeadLetterClass(Command("command.submit", "job-a", R"({"name":"n","kind":"k"})", "u2")),
              "duplicate_job_id");
}

TEST_F(CommandHandlerTest, InvalidSubmitsAreDeadLettered) {
    EXPECT_EQ(DeadLetterClass(Command("command.submit", "j", R"({"name":"n","kind":"k"})", "")), "invalid_command");
    EXPECT_EQ(DeadLetterClass(Command("command.submit", "j", R"({"name":"n","kind":"k","priority":12})")),
              "invalid_command");
    EXPECT_EQ(DeadLetterClass(Command("command.submit", "j", R"({"name":"n","kind":"bad kind"})")), "invalid_command");
    EXPECT_EQ(DeadLetterClass(Command("command.submit", "j", R"({"name":"n","kind":"k","parameters":"x"})")),
              "invalid_command");
    EXPECT_FALSE(store_->Get("j"));
}

TEST_F(CommandHandlerTest, ADeadLetterCarriesItsReason) {
    const kafka::Outcome invalid = Handle(Command("command.submit", "j", R"({"name":"n","kind":"k","priority":12})"));
    EXPECT_EQ(invalid.ErrorClass(), kInvalidCommand);
    EXPECT_EQ(invalid.Reason(), "payload.priority: must be an integer 0-9");
    const kafka::Outcome refused = Handle(Command("command.cancel", "missing", R"({})"));
    EXPECT_EQ(refused.ErrorClass(), "not_found");
    EXPECT_NE(refused.Reason().find("missing"), std::string::npos) << refused;
}

TEST_F(CommandHandlerTest, ReportDrivesTheJobThroughTheStateMachine) {
    Handle(Command("command.submit", "j", R"({"name":"n","kind":"k"})"));
    EXPECT_EQ(Handle(Command("command.report", "j", R"({"status":"running"})")), kafka::Outcome::kOk);
    EXPECT_EQ(store_->Get("j")->state, JobState::kRunning);
    EXPECT_EQ(store_->Get("j")->executor, kExternalExecutor);
    EXPECT_EQ(Handle(Command("command.report", "j", R"({"status":"running"})")), kafka::Outcome::kOk);  // redelivered
    EXPECT_EQ(Handle(Command("command.report", "j", R"({"status":"completed","execution_time_ms":900})")),
              kafka::Outcome::kOk);
    EXPECT_EQ(store_->Get("j")->state, JobState::kCompleted);
    EXPECT_EQ(store_->Get("j")->execution_time_ms, 900);
    // A terminal job cannot fail afterwards.
    EXPECT_EQ(DeadLetterClass(Command("command.report", "j", R"({"status":"failed","error":"late"})")),
              "invalid_transition");
}

TEST_F(CommandHandlerTest, FailedReportNeedsAnError) {
    Handle(Command("command.submit", "j", R"({"name":"n","kind":"k"})"));
    Handle(Command("command.report", "j", R"({"status":"running"})"));
    EXPECT_EQ(DeadLetterClass(Command("command.report", "j", R"({"status":"failed"})")), "invalid_command");
    EXPECT_EQ(Handle(Command("command.report", "j", R"({"status":"failed","error":"oom","error_code":"E1"})")),
              kafka::Outcome::kOk);
    EXPECT_EQ(store_->Get("j")->error_code, "E1");
}

TEST_F(CommandHandlerTest, CancelIsIdempotentAndUnknownJobsAreDeadLettered) {
    Handle(Command("command.submit", "j", R"({"name":"n","kind":"k"})"));
    EXPECT_EQ(Handle(Command("command.cancel", "j", R"({"reason":"operator"})")), kafka::Outcome::kOk);
    EXPECT_EQ(store_->Get("j")->reason, "operator");
    EXPECT_EQ(Handle(Command("command.cancel", "j", R"({})")), kafka::Outcome::kOk);
    EXPECT_EQ(DeadLetterClass(Command("command.cancel", "missing", R"({})")), "not_found");
    EXPECT_EQ(DeadLetterClass(Command("command.report", "missing", R"({"status":"running"})")), "not_found");
}

TEST_F(CommandHandlerTest, AReportCannotSkipQueued) {
    // A job an executor reports on must have been queued: submitted -> running is forbidden.
    Job job;
    job.job_id = "raw";
    job.user_id = "u1";
    job.name = "n";
    job.kind = "k";
    store_->Create(job, "", "", {});
    EXPECT_EQ(DeadLetterClass(Command("command.report", "raw", R"({"status":"running"})")), "invalid_transition");
    EXPECT_EQ(store_->Get("raw")->state, JobState::kSubmitted);
}

}  // namespace
}  // namespace cosmic::orchestrator
