#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "cosmic/notification_consumer/notification_api.hpp"

namespace cosmic::notification {
namespace {

std::variant<ListQuery, telemetry::HttpResponse> Parse(std::string query) {
    telemetry::HttpRequest request;
    request.method = "GET";
    request.path = "/api/v1/notifications";
    request.query = std::move(query);
    return ParseListQuery(request, ApiLimits{50, 200});
}

TEST(ListQueryTest, DefaultsAndCapsTheLimit) {
    const auto defaults = Parse("");
    ASSERT_TRUE(std::holds_alternative<ListQuery>(defaults));
    EXPECT_FALSE(std::get<ListQuery>(defaults).unread);
    EXPECT_EQ(std::get<ListQuery>(defaults).limit, 50u);
    EXPECT_FALSE(std::get<ListQuery>(defaults).cursor);

    const auto capped = Parse("unread=1&limit=5000&cursor=42");
    ASSERT_TRUE(std::holds_alternative<ListQuery>(capped));
    EXPECT_TRUE(std::get<ListQuery>(capped).unread);
    EXPECT_EQ(std::get<ListQuery>(capped).limit, 200u);
    EXPECT_EQ(std::get<ListQuery>(capped).cursor, 42);
}

TEST(ListQueryTest, RefusesUnknownNamesAndBadValues) {
    for (const char* query :
         {"unraed=true", "unread=yes", "limit=0", "limit=ten", "cursor=0", "cursor=-3", "limit=1&x=2"}) {
        const auto parsed = Parse(query);
        ASSERT_TRUE(std::holds_alternative<telemetry::HttpResponse>(parsed)) << query;
        EXPECT_EQ(std::get<telemetry::HttpResponse>(parsed).status, 400) << query;
    }
}

}  // namespace
}  // namespace cosmic::notification
