// The batch handler's choice between Retry and DeadLetter when the store refuses a batch: a
// failure the store can recover from is retried, one the records cause is dead-lettered, and
// either way the store's error is the reason.

#include "cosmic/audit_consumer/audit_ingest.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <sqlite3.h>

#include <optional>
#include <string>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::audit {
namespace {

/// Appends everything, or throws the StoreError SQLite would give for `fail_with`.
class FakeStore : public AuditStore {
  public:
    std::optional<int> fail_with;
    std::size_t appended = 0;

    AppendResult AppendBatch(std::span<const AuditRecord> records) override {
        if (fail_with) {
            throw StoreError(std::string("sqlite: insert failed: ") + sqlite3_errstr(*fail_with), *fail_with);
        }
        appended += records.size();
        AppendResult result;
        result.inserted = records.size();
        return result;
    }
    QueryPage Query(const QueryFilter&) override { return {}; }
    VerifyReport Verify() override { return {}; }
    PurgeResult Purge(std::int64_t) override { return {}; }
    std::size_t Checkpoint(std::int64_t) override { return 0; }
    ComplianceReport Report(std::int64_t) override { return {}; }
};

class AuditIngestTest : public ::testing::Test {
  protected:
    AuditIngestTest() : metrics_(registry_), ingest_(store_, metrics_, [] { return std::int64_t{1'767'225'600'000}; }) {
        schema::Event event = schema::NewEvent(schema::TopicId::kAuditTrail, "audit.state_change", "job-orchestrator");
        event.resource_id = "job-42";
        event.action = schema::AuditAction::kStateChange;
        event.user_id = "u7";
        event.payload = R"({"from":"queued","to":"running","job_id":"job-42"})";
        bytes_ = schema::Serialize(event);
        EXPECT_FALSE(parser_.Parse(schema::TopicId::kAuditTrail, bytes_, parsed_));
        record_.from.topic = "audit-trail";
        record_.from.partition = 1;
        record_.from.offset = 7;
        record_.value = bytes_;
        record_.event = &parsed_;
    }

    kafka::Outcome HandleFailing(int sqlite_code) {
        store_.fail_with = sqlite_code;
        return ingest_.HandleBatch(std::span<const kafka::Record>(&record_, 1));
    }

    prometheus::Registry registry_;
    AuditMetrics metrics_;
    FakeStore store_;
    AuditIngest ingest_;
    schema::Parser parser_;
    std::string bytes_;
    schema::Event parsed_;
    kafka::Record record_;
};

TEST_F(AuditIngestTest, AStoredBatchIsOk) {
    EXPECT_TRUE(ingest_.HandleBatch(std::span<const kafka::Record>(&record_, 1)).IsOk());
    EXPECT_EQ(store_.appended, 1u);
    EXPECT_EQ(metrics_.StoreErrors(), 0u);
}

TEST_F(AuditIngestTest, AFailureTheStoreCanRecoverFromIsRetriedWithTheStoresError) {
    for (const int code : {SQLITE_BUSY, SQLITE_LOCKED, SQLITE_FULL, SQLITE_IOERR_WRITE, SQLITE_READONLY, SQLITE_CORRUPT,
                           SQLITE_CANTOPEN, SQLITE_CONSTRAINT_UNIQUE, SQLITE_CONSTRAINT_PRIMARYKEY}) {
        const kafka::Outcome outcome = HandleFailing(code);
        EXPECT_TRUE(outcome.IsRetry()) << sqlite3_errstr(code) << ": " << outcome;
        EXPECT_NE(outcome.Reason().find(sqlite3_errstr(code)), std::string::npos) << outcome;
    }
    EXPECT_EQ(store_.appended, 0u);
}

TEST_F(AuditIngestTest, AFailureTheRecordsCauseIsDeadLetteredAtOnceWithTheStoresError) {
    for (const int code : {SQLITE_TOOBIG, SQLITE_MISMATCH, SQLITE_CONSTRAINT_CHECK, SQLITE_CONSTRAINT_NOTNULL}) {
        const kafka::Outcome outcome = HandleFailing(code);
        EXPECT_TRUE(outcome.IsDeadLetter()) << sqlite3_errstr(code) << ": " << outcome;
        EXPECT_EQ(outcome.ErrorClass(), kStoreRejected);
        EXPECT_NE(outcome.Reason().find(sqlite3_errstr(code)), std::string::npos) << outcome;
    }
    EXPECT_EQ(metrics_.StoreErrors(), 4u);
}

}  // namespace
}  // namespace cosmic::audit
