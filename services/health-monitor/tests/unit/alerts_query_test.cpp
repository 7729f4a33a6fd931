#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "cosmic/health_monitor/health_service.hpp"

namespace cosmic::health {
namespace {

std::variant<AlertsQuery, telemetry::HttpResponse> Parse(std::string query) {
    telemetry::HttpRequest request;
    request.method = "GET";
    request.path = "/api/v1/alerts";
    request.query = std::move(query);
    return ParseAlertsQuery(request);
}

TEST(AlertsQueryTest, DefaultsToTheFiringHundred) {
    const auto parsed = Parse("");
    ASSERT_TRUE(std::holds_alternative<AlertsQuery>(parsed));
    EXPECT_EQ(std::get<AlertsQuery>(parsed).state, "firing");
    EXPECT_EQ(std::get<AlertsQuery>(parsed).limit, 100u);
}

TEST(AlertsQueryTest, ReadsAnEncodedStateAndTheLimitBounds) {
    const auto parsed = Parse("state=re%73olved&limit=10000");
    ASSERT_TRUE(std::holds_alternative<AlertsQuery>(parsed));
    EXPECT_EQ(std::get<AlertsQuery>(parsed).state, "resolved");
    EXPECT_EQ(std::get<AlertsQuery>(parsed).limit, 10'000u);
}

TEST(AlertsQueryTest, RefusesAnUnknownStateAndALimitOutOfRange) {
    for (const char* query : {"state=open", "limit=0", "limit=10001", "limit=-1", "limit=5x", "limit="}) {
        const auto parsed = Parse(query);
        ASSERT_TRUE(std::holds_alternative<telemetry::HttpResponse>(parsed)) << query;
        EXPECT_EQ(std::get<telemetry::HttpResponse>(parsed).status, 400) << query;
    }
}

}  // namespace
}  // namespace cosmic::health
