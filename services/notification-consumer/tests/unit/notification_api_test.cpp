#include "cosmic/notification_consumer/notification_api.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <simdjson.h>

#include "cosmic/schema/parser.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification {
namespace {

using testing::Http;

Notification Make(int i, const std::string& user) {
    schema::Parser parser;
    schema::Event event;
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
    EXPECT_FALSE(parser
                     .Parse(schema::TopicId::kJobLifecycle,
                            testing::LifecycleJson(id, "job.failed", "job-" + std::to_string(i), user), event)
                     .has_value());
    return MakeNotification(event, JobOutcome::kFailed, nullptr, "");
}

class NotificationApiTest : public ::testing::Test {
  protected:
    NotificationApiTest() {
        StoreSettings settings;
        settings.path = (dir_.Path() / "n.db").string();
        settings.durable = false;
        store_ = std::make_unique<NotificationStore>(settings);
        auth_ = std::make_shared<const service::Authenticator>(service::Authenticator::FromFile(
            testing::WriteTokensFile(dir_.Path(), {{"alice-token", "alice"}, {"bob-token", "bob"}})));
        api_ = std::make_unique<NotificationApi>(*store_, ApiLimits{2, 3}, [] { return std::int64_t{42'000}; });
        telemetry::HttpServerOptions options;
        options.bind_address = "127.0.0.1";
        server_ = std::make_unique<telemetry::HttpServer>(options, std::make_shared<prometheus::Registry>());
        api_->Register(*server_, auth_);
        server_->Start();
        port_ = server_->Port();
    }
    ~NotificationApiTest() override { server_->Stop(); }

    simdjson::dom::element Json(const std::string& body) {
        simdjson::dom::element element;
        EXPECT_EQ(parser_.parse(body).get(element), simdjson::SUCCESS) << body;
        return element;
    }

    testing::ScratchDir dir_;
    std::unique_ptr<NotificationStore> store_;
    std::shared_ptr<const service::Authenticator> auth_;
    std::unique_ptr<NotificationApi> api_;
    std::unique_ptr<telemetry::HttpServer> server_;
    int port_ = 0;
    simdjson::dom::parser parser_;
};

TEST_F(NotificationApiTest, RequiresAToken) {
    EXPECT_EQ(Http("GET", port_, "/api/v1/notifications").status, 401);
    EXPECT_EQ(Http("GET", port_, "/api/v1/notifications", "wrong-token").status, 401);
    EXPECT_EQ(Http("POST", port_, "/api/v1/notifications/read-all").status, 401);
    EXPECT_EQ(Http("POST", port_, "/api/v1/notifications/1/read").status, 401);
}

TEST_F(NotificationApiTest, EachUserSeesAndMarksOnlyTheirOwn) {
    for (int i = 1; i <= 4; ++i) store_->DeliverInApp(Make(i, "alice"), 1, i);
    store_->DeliverInApp(Make(9, "bob"), 1, 9);

    const auto page = Http("GET", port_, "/api/v1/notifications", "alice-token");
    ASSERT_EQ(page.status, 200) << page.body;
    auto json = Json(page.body);
    EXPECT_EQ(json["notifications"].get_array().size(), 2u) << "api.default_limit";
    EXPECT_EQ(int64_t(json["unread_count"]), 4);
    EXPECT_EQ(std::string_view(json["notifications"].at(0)["job_id"]), "job-4");
    EXPECT_EQ(std::string_view(json["notifications"].at(0)["outcome"]), "failed");
    const std::string cursor{std::string_view(json["next_cursor"])};

    const auto next = Http("GET", port_, "/api/v1/notifications?limit=50&cursor=" + cursor, "alice-token");
    ASSERT_EQ(next.status, 200);
    auto json2 = Json(next.body);
    EXPECT_EQ(json2["notifications"].get_array().size(), 2u);
    EXPECT_TRUE(json2["next_cursor"].is_null());

    const auto bob = Http("GET", port_, "/api/v1/notifications", "bob-token");
    auto bob_json = Json(bob.body);
    ASSERT_EQ(bob_json["notifications"].get_array().size(), 1u);
    const std::string bob_id{std::string_view(bob_json["notifications"].at(0)["id"])};

    EXPECT_EQ(Http("POST", port_, "/api/v1/notifications/" + bob_id + "/read", "alice-token").status, 404);
    const auto marked = Http("POST", port_, "/api/v1/notifications/" + bob_id + "/read", "bob-token");
    ASSERT_EQ(marked.status, 200) << marked.body;
    EXPECT_TRUE(bool(Json(marked.body)["notification"]["read"]));

    const auto all = Http("POST", port_, "/api/v1/notifications/read-all", "alice-token");
    ASSERT_EQ(all.status, 200);
    EXPECT_EQ(int64_t(Json(all.body)["marked"]), 4);
    EXPECT_EQ(Json(Http("GET", port_, "/api/v1/notifications?unread=true", "alice-token").body)["notifications"]
                  .get_array()
                  .size(),
              0u);
}

TEST_F(NotificationApiTest, RejectsBadParameters) {
    EXPECT_EQ(Http("GET", port_, "/api/v1/notifications?limit=0", "alice-token").status, 400);
    EXPECT_EQ(Http("GET", port_, "/api/v1/notifications?unread=maybe", "alice-token").status, 400);
    EXPECT_EQ(Http("GET", port_, "/api/v1/notifications?cursor=abc", "alice-token").status, 400);
    EXPECT_EQ(Http("GET", port_, "/api/v1/notifications?unred=true", "alice-token").status, 400);
    EXPECT_EQ(Http("POST", port_, "/api/v1/notifications/xyz/read", "alice-token").status, 404);
}

}  // namespace
}  // namespace cosmic::notification
