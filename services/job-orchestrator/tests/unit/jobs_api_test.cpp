#include "cosmic/job_orchestrator/jobs_api.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <simdjson.h>

#include <fstream>
#include <string>

#include "cosmic/telemetry/http_server.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/tokens.hpp"
#include "test_support.hpp"

namespace cosmic::orchestrator {
namespace {

using testing::OpenStore;
using testing::PendingRows;
using testing::TempDir;
using HttpReply = cosmic::testing::HttpResponse;

constexpr char kAlice[] = "alice-token";
constexpr char kBob[] = "bob-token";
constexpr char kAdmin[] = "admin-token";

/// A parsed JSON reply body (owns its parser).
struct Json {
    explicit Json(const std::string& text) {
        if (parser.parse(text).get(root) != simdjson::SUCCESS) ADD_FAILURE() << "not JSON: " << text;
    }
    std::string String(const char* pointer) {
        std::string_view value;
        if (root.at_pointer(pointer).get_string().get(value) != simdjson::SUCCESS) return "<missing>";
        return std::string(value);
    }
    std::int64_t Int(const char* pointer) {
        std::int64_t value = -1;
        if (root.at_pointer(pointer).get_int64().get(value) != simdjson::SUCCESS) return -1;
        return value;
    }
    bool IsNull(const char* pointer) {
        simdjson::dom::element value;
        return root.at_pointer(pointer).get(value) == simdjson::SUCCESS && value.is_null();
    }
    std::size_t Size(const char* pointer) {
        simdjson::dom::array array;
        if (root.at_pointer(pointer).get_array().get(array) != simdjson::SUCCESS) return 0;
        return array.size();
    }
    simdjson::dom::parser parser;
    simdjson::dom::element root;
};

class JobsApiTest : public ::testing::Test {
  protected:
    JobsApiTest() : store_(OpenStore(dir_)), jobs_(*store_, JobServiceHooks{}), api_(jobs_, JobsApiOptions{2, 3}) {
        const std::string tokens = dir_.File("tokens.json");
        cosmic::testing::WriteTokensFile(
            tokens, {{kAlice, "alice", {"user"}}, {kBob, "bob", {"user"}}, {kAdmin, "root", {"admin"}}});
        auto authenticator = std::make_shared<const service::Authenticator>(service::Authenticator::FromFile(tokens));
        telemetry::HttpServerOptions options;
        options.bind_address = "127.0.0.1";
        options.port = 0;
        server_ = std::make_unique<telemetry::HttpServer>(options, std::make_shared<prometheus::Registry>());
        api_.Register(*server_, authenticator);
        server_->Start();
        base_ = "http://127.0.0.1:" + std::to_string(server_->Port());
    }
    ~JobsApiTest() override { server_->Stop(); }

    HttpReply Call(const std::string& method, const std::string& path, const std::string& token,
                   const std::string& body = "", std::vector<std::string> headers = {}) {
        return cosmic::testing::HttpClient(base_).Call(method, path, body, token, std::move(headers));
    }

    std::string SubmitAs(const std::string& token, const std::string& name = "render") {
        HttpReply reply = Call("POST", "/api/v1/jobs", token, R"({"name":")" + name + R"(","kind":"imaging"})");
        EXPECT_EQ(reply.status, 202) << reply.body;
        return Json(reply.body).String("/job_id");
    }

    /// Asserts a 400 naming `field`.
    void ExpectBadField(const HttpReply& reply, const std::string& field) {
        EXPECT_EQ(reply.status, 400) << reply.body;
        Json json(reply.body);
        EXPECT_EQ(json.String("/error/code"), "invalid_request");
        EXPECT_EQ(json.String("/error/field"), field) << reply.body;
        EXPECT_NE(json.String("/error/reason"), "<missing>");
    }

    TempDir dir_;
    std::unique_ptr<SqliteJobStore> store_;
    JobService jobs_;
    JobsApi api_;
    std::unique_ptr<telemetry::HttpServer> server_;
    std::string base_;
};

TEST_F(JobsApiTest, RequestsWithoutAValidTokenAre401) {
    EXPECT_EQ(Call("GET", "/api/v1/jobs", "").status, 401);
    EXPECT_EQ(Call("GET", "/api/v1/jobs", "wrong").status, 401);
    const HttpReply reply = Call("POST", "/api/v1/jobs", "", R"({"name":"x","kind":"k"})");
    EXPECT_EQ(reply.status, 401);
    EXPECT_FALSE(reply.Header("WWW-Authenticate").empty());
    EXPECT_TRUE(PendingRows(*store_).empty());
}

TEST_F(JobsApiTest, SubmitReturns202WithTheJobOwnedByTheTokenUser) {
    const HttpReply reply = Call("POST", "/api/v1/jobs", kAlice,
                                 R"({"name":"render","kind":"imaging","priority":9,"user_id":"mallory",)"
                                 R"("parameters":{"band":"L","n":[1,2]}})",
                                 {"X-Correlation-Id: corr-api-1"});
    ASSERT_EQ(reply.status, 202) << reply.body;
    Json json(reply.body);
    EXPECT_EQ(json.String("/user_id"), "alice");
    EXPECT_EQ(json.String("/status"), "queued");
    EXPECT_EQ(json.Int("/priority"), 9);
    EXPECT_EQ(json.String("/parameters/band"), "L");
    EXPECT_EQ(json.String("/correlation_id"), "corr-api-1");
    EXPECT_EQ(reply.Header("X-Correlation-Id"), "corr-api-1");
    EXPECT_EQ(reply.Header("Location"), "/api/v1/jobs/" + json.String("/job_id"));
    EXPECT_EQ(store_->Get(json.String("/job_id"))->user_id, "alice");
    for (const auto& row : PendingRows(*store_)) {
        EXPECT_EQ(testing::ParseRow(row).correlation_id, "corr-api-1");
    }
}

TEST_F(JobsApiTest, UsersSeeOnlyTheirOwnJobsAndAdminsSeeAll) {
    const std::string alice_job = SubmitAs(kAlice);
    SubmitAs(kBob);
    EXPECT_EQ(Call("GET", "/api/v1/jobs/" + alice_job, kAlice).status, 200);
    EXPECT_EQ(Call("GET", "/api/v1/jobs/" + alice_job, kBob).status, 404);
    EXPECT_EQ(Call("POST", "/api/v1/jobs/" + alice_job + "/cancel", kBob, R"({"reason":"x"})").status, 404);
    EXPECT_EQ(Call("POST", "/api/v1/jobs/" + alice_job + "/fail", kBob, R"({"error":"x"})").status, 404);
    EXPECT_EQ(store_->Get(alice_job)->state, JobState::kQueued);

    Json bob_list(Call("GET", "/api/v1/jobs", kBob).body);
    ASSERT_EQ(bob_list.Size("/jobs"), 1u);
    EXPECT_EQ(bob_list.String("/jobs/0/user_id"), "bob");
    Json admin_list(Call("GET", "/api/v1/jobs", kAdmin).body);
    EXPECT_EQ(admin_list.Size("/jobs"), 2u);
    EXPECT_EQ(Call("GET", "/api/v1/jobs/" + alice_job, kAdmin).status, 200);
    const HttpReply cancel = Call("POST", "/api/v1/jobs/" + alice_job + "/cancel", kAdmin, R"({"reason":"ops"})");
    EXPECT_EQ(cancel.status, 200) << cancel.body;
    EXPECT_EQ(Json(cancel.body).String("/reason"), "ops");
}

TEST_F(JobsApiTest, SubmitValidationNamesTheFieldAndReason) {
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, ""), "body");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, "{not json"), "body");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, "[1,2]"), "body");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"kind":"imaging"})"), "name");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"","kind":"imaging"})"), "name");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":")" + std::string(201, 'n') + R"(","kind":"k"})"),
                   "name");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":5,"kind":"imaging"})"), "name");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n"})"), "kind");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"has space"})"), "kind");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k","priority":10})"), "priority");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k","priority":-1})"), "priority");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k","priority":"high"})"), "priority");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k","priority":1.5})"), "priority");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k","parameters":[1]})"), "parameters");
    const std::string big = R"({"name":"n","kind":"k","parameters":{"blob":")" + std::string(70 * 1024, 'x') + "\"}}";
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, big), "parameters");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k"})", {"Idempotency-Key: has space"}),
                   "Idempotency-Key");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"n","kind":"k"})",
                        {"X-Correlation-Id: " + std::string(201, 'c')}),
                   "X-Correlation-Id");
    EXPECT_TRUE(PendingRows(*store_).empty());
    // 200 characters (multi-byte) is still fine.
    std::string name;
    for (int i = 0; i < 200; ++i) name += "\xc3\xa9";
    EXPECT_EQ(Call("POST", "/api/v1/jobs", kAlice, R"({"name":")" + name + R"(","kind":"k"})").status, 202);
}

TEST_F(JobsApiTest, OtherBodiesAndQueriesAreValidated) {
    const std::string id = SubmitAs(kAlice);
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/fail", kAlice, R"({})"), "error");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/fail", kAlice, R"({"error":""})"), "error");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/fail", kAlice, R"({"error":"x","error_code":7})"),
                   "error_code");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/complete", kAlice, R"({"execution_time_ms":-5})"),
                   "execution_time_ms");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/complete", kAlice, R"({"execution_time_ms":"5"})"),
                   "execution_time_ms");
    ExpectBadField(
        Call("POST", "/api/v1/jobs/" + id + "/complete", kAlice, R"({"execution_time_ms":9223372036854775807})"),
        "execution_time_ms");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/fail", kAlice,
                        R"({"error":"x","execution_time_ms":9223372036854775807})"),
                   "execution_time_ms");
    // Duplicate keys: the Kafka parser refuses them, so the API does too, wherever they are.
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"a","name":"b","kind":"k"})"), "body");
    ExpectBadField(Call("POST", "/api/v1/jobs", kAlice, R"({"name":"a","kind":"k","parameters":{"x":1,"x":2}})"),
                   "body");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/cancel", kAlice, R"({"reason":"a","reason":"b"})"), "body");
    ExpectBadField(Call("POST", "/api/v1/jobs/" + id + "/cancel", kAlice, R"({"reason":1})"), "reason");
    ExpectBadField(Call("GET", "/api/v1/jobs?status=done", kAlice), "status");
    ExpectBadField(Call("GET", "/api/v1/jobs?limit=0", kAlice), "limit");
    ExpectBadField(Call("GET", "/api/v1/jobs?limit=4", kAlice), "limit");  // max_limit is 3 here
    ExpectBadField(Call("GET", "/api/v1/jobs?limit=abc", kAlice), "limit");
    ExpectBadField(Call("GET", "/api/v1/jobs?cursor=zzz", kAlice), "cursor");
}

TEST_F(JobsApiTest, UnknownJobIs404AndInvalidTransitionIs409WithTheCurrentStatus) {
    const HttpReply missing = Call("GET", "/api/v1/jobs/does-not-exist", kAlice);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(Json(missing.body).String("/error/code"), "not_found");
    EXPECT_EQ(Call("POST", "/api/v1/jobs/does-not-exist/cancel", kAlice).status, 404);

    const std::string id = SubmitAs(kAlice);
    const std::size_t rows = PendingRows(*store_).size();
    const HttpReply conflict = Call("POST", "/api/v1/jobs/" + id + "/complete", kAlice, R"({"execution_time_ms":5})");
    EXPECT_EQ(conflict.status, 409);
    Json json(conflict.body);
    EXPECT_EQ(json.String("/error/code"), "invalid_transition");
    EXPECT_EQ(json.String("/error/current_status"), "queued");
    EXPECT_EQ(PendingRows(*store_).size(), rows);  // a rejected transition is never published

    EXPECT_EQ(Call("POST", "/api/v1/jobs/" + id + "/cancel", kAlice).status, 200);  // empty body: default reason
    const HttpReply again = Call("POST", "/api/v1/jobs/" + id + "/cancel", kAlice, R"({"reason":"again"})");
    EXPECT_EQ(again.status, 409);
    EXPECT_EQ(Json(again.body).String("/error/current_status"), "cancelled");
    EXPECT_EQ(store_->Get(id)->reason, "cancelled by alice");
}

TEST_F(JobsApiTest, SameIdempotencyKeyGivesTheSameJobAndNoSecondEvent) {
    const std::string body = R"({"name":"render","kind":"imaging"})";
    const HttpReply first = Call("POST", "/api/v1/jobs", kAlice, body, {"Idempotency-Key: order-17"});
    ASSERT_EQ(first.status, 202);
    const std::size_t rows = PendingRows(*store_).size();
    const HttpReply second = Call("POST", "/api/v1/jobs", kAlice, body, {"Idempotency-Key: order-17"});
    ASSERT_EQ(second.status, 202);
    EXPECT_EQ(second.Header("Idempotent-Replayed"), "true");
    EXPECT_EQ(Json(first.body).String("/job_id"), Json(second.body).String("/job_id"));
    EXPECT_EQ(PendingRows(*store_).size(), rows);

    const HttpReply changed =
        Call("POST", "/api/v1/jobs", kAlice, R"({"name":"other","kind":"imaging"})", {"Idempotency-Key: order-17"});
    EXPECT_EQ(changed.status, 422);
    EXPECT_EQ(Json(changed.body).String("/error/code"), "idempotency_key_reused");
    // Bob's key space is his own.
    const HttpReply bob = Call("POST", "/api/v1/jobs", kBob, body, {"Idempotency-Key: order-17"});
    EXPECT_EQ(bob.status, 202);
    EXPECT_NE(Json(bob.body).String("/job_id"), Json(first.body).String("/job_id"));
}

TEST_F(JobsApiTest, ListPagesWithACursorAndFiltersByStatus) {
    std::vector<std::string> ids;
    for (int i = 0; i < 5; ++i) ids.push_back(SubmitAs(kAlice, "job" + std::to_string(i)));
    ASSERT_EQ(Call("POST", "/api/v1/jobs/" + ids[1] + "/cancel", kAlice).status, 200);
    std::vector<std::string> seen;
    std::string path = "/api/v1/jobs";
    for (int page = 0; page < 10; ++page) {
        Json json(Call("GET", path, kAlice).body);
        for (std::size_t i = 0; i < json.Size("/jobs"); ++i) {
            seen.push_back(json.String(("/jobs/" + std::to_string(i) + "/job_id").c_str()));
        }
        if (json.IsNull("/next_cursor")) break;
        path = "/api/v1/jobs?limit=2&cursor=" + json.String("/next_cursor");
    }
    EXPECT_EQ(seen, (std::vector<std::string>{ids[4], ids[3], ids[2], ids[1], ids[0]}));
    Json cancelled(Call("GET", "/api/v1/jobs?status=cancelled", kAlice).body);
    ASSERT_EQ(cancelled.Size("/jobs"), 1u);
    EXPECT_EQ(cancelled.String("/jobs/0/job_id"), ids[1]);
    EXPECT_EQ(cancelled.String("/jobs/0/status"), "cancelled");
}

TEST_F(JobsApiTest, CompleteAndFailWorkOnARunningJob) {
    const std::string a = SubmitAs(kAlice);
    const std::string b = SubmitAs(kAlice);
    const RequestContext executor = MakeContext(Actor{ActorKind::kSystem, "", false}, "", "");
    ASSERT_TRUE(jobs_.Start(a, kExternalExecutor, executor));
    ASSERT_TRUE(jobs_.Start(b, kExternalExecutor, executor));
    const HttpReply done = Call("POST", "/api/v1/jobs/" + a + "/complete", kAlice, R"({"execution_time_ms":1500})");
    ASSERT_EQ(done.status, 200) << done.body;
    EXPECT_EQ(Json(done.body).String("/status"), "completed");
    EXPECT_EQ(Json(done.body).Int("/execution_time_ms"), 1500);
    const HttpReply failed =
        Call("POST", "/api/v1/jobs/" + b + "/fail", kAlice, R"({"error":"segfault","error_code":"SIGSEGV"})");
    ASSERT_EQ(failed.status, 200) << failed.body;
    Json json(failed.body);
    EXPECT_EQ(json.String("/status"), "failed");
    EXPECT_EQ(json.String("/error"), "segfault");
    EXPECT_EQ(json.String("/error_code"), "SIGSEGV");
}

}  // namespace
}  // namespace cosmic::orchestrator
