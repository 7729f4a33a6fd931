#include "cosmic/job_orchestrator/orchestrator_config.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "cosmic/job_orchestrator/job_json.hpp"
#include "cosmic/service/kit.hpp"

namespace cosmic::orchestrator {
namespace {

service::Config Load(service::Environment env) {
    service::ConfigSchema schema;
    service::DeclareCommonKeys(schema);
    service::DeclareKitKeys(schema);
    DeclareOrchestratorConfig(schema);
    env.emplace("KAFKA_ENABLED", "false");
    return service::Config::Load(schema, "", env);
}

TEST(OrchestratorConfigTest, DefaultsMatchTheDesign) {
    const service::Config config = Load({{"COSMIC_DATA_DIR", "/var/lib/cosmic"}});
    EXPECT_EQ(config.GetInt("http.port"), 8081);
    const OrchestratorConfig parsed = ReadOrchestratorConfig(config);
    EXPECT_EQ(config.GetString("consumer.group_id"), "job-orchestrator-group");
    EXPECT_EQ(parsed.store.path, "/var/lib/cosmic/orchestrator.db");
    EXPECT_EQ(parsed.store.synchronous, "FULL");
    EXPECT_TRUE(parsed.executor_enabled);
    EXPECT_TRUE(parsed.job_retention);
}

TEST(OrchestratorConfigTest, DatabaseUrlSelectsTheSqliteFile) {
    EXPECT_EQ(DatabasePath("", "data"), "data/orchestrator.db");
    EXPECT_EQ(DatabasePath("sqlite:///tmp/x.db", "data"), "/tmp/x.db");
    EXPECT_EQ(DatabasePath("sqlite://rel/x.db", "data"), "rel/x.db");
    EXPECT_THROW(DatabasePath("postgresql://db/jobs", "data"), std::invalid_argument);
    EXPECT_THROW(DatabasePath("sqlite://", "data"), std::invalid_argument);
    const OrchestratorConfig pg = ReadOrchestratorConfig(Load({{"COSMIC_DATABASE_URL", "postgresql://db"}}));
    EXPECT_TRUE(pg.postgres);
    EXPECT_EQ(pg.pg_store.url, "postgresql://db");
}

TEST(OrchestratorConfigTest, InconsistentValuesAreConfigErrors) {
    EXPECT_THROW(ReadOrchestratorConfig(
                     Load({{"COSMIC_EXECUTOR_DURATION_MIN_MS", "9000"}, {"COSMIC_EXECUTOR_DURATION_MAX_MS", "1000"}})),
                 service::ConfigError);
    EXPECT_THROW(ReadOrchestratorConfig(Load({{"COSMIC_API_LIST_DEFAULT_LIMIT", "600"}})), service::ConfigError);
    EXPECT_THROW(Load({{"COSMIC_EXECUTOR_FAILURE_RATE", "1.5"}}), service::ConfigError);
    EXPECT_THROW(Load({{"COSMIC_EXECUTOR_DURATION_DISTRIBUTION", "normal"}}), service::ConfigError);
    EXPECT_FALSE(ReadOrchestratorConfig(Load({{"COSMIC_JOBS_RETENTION_MS", "0"}})).job_retention);
}

TEST(JobJsonTest, CursorRoundTripsAndRejectsForgeries) {
    EXPECT_EQ(DecodeCursor(EncodeCursor(12345)), 12345);
    EXPECT_FALSE(DecodeCursor("12345"));
    EXPECT_FALSE(DecodeCursor("p"));
    EXPECT_FALSE(DecodeCursor("p-3"));
    EXPECT_FALSE(DecodeCursor("p12x"));
    EXPECT_FALSE(DecodeCursor("p0"));
}

TEST(JobJsonTest, JobObjectHasTheDesignFields) {
    Job job;
    job.job_id = "j1";
    job.user_id = "u1";
    job.name = "n \"quoted\"";
    job.kind = "k";
    job.state = JobState::kFailed;
    job.created_at_ms = 1'700'000'000'000;
    job.updated_at_ms = 1'700'000'001'000;
    job.error = "boom";
    job.error_code = "E1";
    job.execution_time_ms = 5;
    const std::string json = JobJson(job, false);
    EXPECT_NE(json.find(R"("status":"failed")"), std::string::npos);
    EXPECT_NE(json.find(R"("created_at":"2023-11-14T22:13:20.000Z")"), std::string::npos);
    EXPECT_NE(json.find(R"("error":"boom","error_code":"E1")"), std::string::npos);
    EXPECT_NE(json.find(R"(n \"quoted\")"), std::string::npos);
    EXPECT_EQ(json.find("parameters"), std::string::npos);
    EXPECT_EQ(json.find("reason"), std::string::npos);
}

}  // namespace
}  // namespace cosmic::orchestrator
