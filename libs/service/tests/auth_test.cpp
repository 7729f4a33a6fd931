#include "cosmic/service/auth.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cosmic/service/config.hpp"
#include "test_util.hpp"

namespace cosmic::service {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string TokensJson() {
    return R"({"tokens": [
        {"sha256": ")" +
           Authenticator::HashHex("alice-token") + R"(", "user_id": "alice", "roles": ["user"]},
        {"sha256": ")" +
           Authenticator::HashHex("root-token") + R"(", "user_id": "root", "roles": ["admin", "user"]},
        {"sha256": ")" +
           Authenticator::HashHex("audit-token") + R"(", "user_id": "carol", "roles": ["auditor"]}
    ]})";
}

std::shared_ptr<const Authenticator> Load(const testing::TempDir& dir) {
    return std::make_shared<const Authenticator>(Authenticator::FromFile(dir.Write("tokens.json", TokensJson())));
}

TEST(AuthTest, HashIsLowerCaseHexSha256) {
    // printf 'abc' | sha256sum
    EXPECT_EQ(Authenticator::HashHex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuthTest, ValidTokenYieldsItsPrincipal) {
    testing::TempDir dir;
    const auto auth = Load(dir);
    EXPECT_EQ(auth->Size(), 3U);

    const auto alice = auth->Authenticate("Bearer alice-token");
    ASSERT_TRUE(alice);
    EXPECT_EQ(alice->user_id, "alice");
    EXPECT_THAT(alice->roles, ElementsAre(Role::kUser));

    const auto root = auth->Authenticate("bearer   root-token ");
    ASSERT_TRUE(root);
    EXPECT_EQ(root->user_id, "root");
    EXPECT_TRUE(HasRole(*root, Role::kAdmin));
    EXPECT_FALSE(HasRole(*root, Role::kAuditor));
}

TEST(AuthTest, MissingOrInvalidTokensAreRejected) {
    testing::TempDir dir;
    const auto auth = Load(dir);
    for (const char* header : {"", "Bearer", "Bearer ", "Basic YWxpY2U6eA==", "alice-token", "Bearer alice-token2",
                               "Bearer ALICE-TOKEN", "Beareralice-token"}) {
        EXPECT_FALSE(auth->Authenticate(header)) << "'" << header << "'";
    }
}

TEST(AuthTest, QueryTokenOnlyWhenAllowed) {
    testing::TempDir dir;
    const auto auth = Load(dir);
    telemetry::HttpRequest request;
    request.query = "access_token=alice-token";
    EXPECT_FALSE(auth->Authenticate(request));
    const auto principal = auth->Authenticate(request, /*allow_query_token=*/true);
    ASSERT_TRUE(principal);
    EXPECT_EQ(principal->user_id, "alice");
}

TEST(AuthTest, LoadErrorsNameTheKeyAndFile) {
    testing::TempDir dir;
    const std::string good_hash = Authenticator::HashHex("t");
    struct Case {
        std::string json;
        std::string problem;
    };
    const std::vector<Case> cases = {
        {R"({"tokens": [{"sha256": ")" + good_hash + R"(", "user_id": "u", "roles": ["superuser"]}]})",
         "unknown role 'superuser'"},
        {R"({"tokens": [{"sha256": "abc", "user_id": "u", "roles": []}]})", "64 hex digits"},
        {R"({"tokens": [{"sha256": ")" + good_hash + R"(", "user_id": "", "roles": []}]})", "user_id"},
        {R"({"tokens": [{"sha256": ")" + good_hash + R"(", "user_id": "u", "roles": "admin"}]})", "roles"},
        {R"({"tokens": [{"sha256": ")" + good_hash + R"(", "user_id": "a", "roles": []},
                        {"sha256": ")" +
             good_hash + R"(", "user_id": "b", "roles": []}]})",
         "tokens[1]: the same token hash appears twice"},
        {R"({"users": []})", "\"tokens\" array"},
        {R"({"tokens": [)", "not valid JSON"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.json);
        const std::string path = dir.Write("tokens.json", c.json);
        try {
            Authenticator::FromFile(path);
            ADD_FAILURE() << "expected ConfigError";
        } catch (const ConfigError& error) {
            EXPECT_EQ(error.Key(), "auth.tokens_file");
            EXPECT_THAT(error.what(), AllOf(HasSubstr(path), HasSubstr(c.problem)));
        }
    }
    try {
        Authenticator::FromFile(dir.File("absent.json"));
        ADD_FAILURE() << "expected ConfigError";
    } catch (const ConfigError& error) {
        EXPECT_THAT(error.what(), AllOf(HasSubstr("auth.tokens_file"), HasSubstr("cannot read")));
    }
}

TEST(RequireAuthTest, AnswersUnauthorizedForbiddenOrCallsTheHandler) {
    testing::TempDir dir;
    int calls = 0;
    const telemetry::HttpHandler handler = RequireAuth(
        Load(dir), {Role::kAdmin, Role::kAuditor}, [&](const telemetry::HttpRequest&, const Principal& principal) {
            ++calls;
            return telemetry::HttpResponse::Json(200, R"({"user":")" + principal.user_id + R"("})");
        });
    telemetry::HttpRequest request;
    request.method = "GET";
    request.path = "/api/v1/audit";

    telemetry::HttpResponse response = handler(request);
    EXPECT_EQ(response.status, 401);
    EXPECT_THAT(response.headers, Contains(Pair("WWW-Authenticate", R"(Bearer realm="cosmic")")));
    EXPECT_THAT(response.body, AllOf(HasSubstr(R"("code")"), HasSubstr("unauthorized")));

    request.headers = {{"authorization", "Bearer wrong"}};
    response = handler(request);
    EXPECT_EQ(response.status, 401);
    EXPECT_THAT(response.headers,
                Contains(Pair("WWW-Authenticate", R"(Bearer realm="cosmic", error="invalid_token")")));

    request.headers = {{"Authorization", "Bearer alice-token"}};
    response = handler(request);
    EXPECT_EQ(response.status, 403);
    EXPECT_THAT(response.body, AllOf(HasSubstr("forbidden"), HasSubstr("admin or auditor")));
    EXPECT_EQ(calls, 0);

    request.headers = {{"Authorization", "Bearer audit-token"}};
    response = handler(request);
    EXPECT_EQ(response.status, 200);
    EXPECT_EQ(response.body, R"({"user":"carol"})");
    EXPECT_EQ(calls, 1);
}

TEST(RequireAuthTest, EmptyRoleListAcceptsAnyAuthenticatedUser) {
    testing::TempDir dir;
    const telemetry::HttpHandler handler = RequireAuth(
        Load(dir), {}, [](const telemetry::HttpRequest&, const Principal&) { return telemetry::HttpResponse{}; });
    telemetry::HttpRequest request;
    request.headers = {{"Authorization", "Bearer alice-token"}};
    EXPECT_EQ(handler(request).status, 200);
}

}  // namespace
}  // namespace cosmic::service
