#include "cosmic/metrics_consumer/metrics_stream.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>

#include "cosmic/service/timers.hpp"
#include "cosmic/testing/wait.hpp"
#include "test_support.hpp"

namespace cosmic::metrics {
namespace {

using testing::MetricsEvent;
using testing::RecordingEndpoint;
using testing::RequestWithToken;

std::string TypeOf(const std::string& frame) {
    simdjson::dom::parser parser;
    std::string_view type;
    if (parser.parse(frame).get_object()["type"].get(type) != simdjson::SUCCESS) return "<no type>";
    return std::string(type);
}

std::string JobOf(const std::string& frame) {
    simdjson::dom::parser parser;
    std::string_view job;
    if (parser.parse(frame)["job"]["job_id"].get(job) != simdjson::SUCCESS) return "<no job>";
    return std::string(job);
}

class MetricsStreamTest : public ::testing::Test {
  protected:
    MetricsStreamTest() : stream_(aggregator_, testing::TestAuthenticator(), Options()) {
        stream_.Attach(endpoint_);
        callbacks_ = stream_.Callbacks();
    }
    static StreamOptions Options() {
        StreamOptions options;
        options.max_subscriptions = 3;
        options.max_updates_per_flush = 2;
        options.max_per_user = 2;
        return options;
    }
    void Open(MetricsStream::ConnectionId id, const std::string& token) {
        ASSERT_TRUE(callbacks_.on_open(id, RequestWithToken(token)));
    }
    void Say(MetricsStream::ConnectionId id, const std::string& text) { callbacks_.on_message(id, text); }
    void Add(const std::string& job, const std::string& user) {
        aggregator_.Add(MetricsEvent(job, "e" + std::to_string(next_event_++), user), 0);
    }

    JobAggregator aggregator_;
    RecordingEndpoint endpoint_;
    MetricsStream stream_;
    telemetry::WebSocketEndpoint::Callbacks callbacks_;
    int next_event_ = 0;
};

TEST_F(MetricsStreamTest, RejectsClientsWithoutAValidToken) {
    EXPECT_FALSE(callbacks_.on_open(1, telemetry::HttpRequest{}));
    EXPECT_FALSE(callbacks_.on_open(2, RequestWithToken("wrong")));
    telemetry::HttpRequest by_query;
    by_query.query = "token=alice-token";
    EXPECT_TRUE(callbacks_.on_open(3, by_query));
    telemetry::HttpRequest by_access_token;
    by_access_token.query = "access_token=bob-token";
    EXPECT_TRUE(callbacks_.on_open(4, by_access_token));
    EXPECT_EQ(stream_.Connections(), 2u);
}

TEST_F(MetricsStreamTest, SubscribedJobIsPushedOncePerFlush) {
    Open(1, "alice-token");
    Say(1, R"({"subscribe":"job-1"})");
    auto frames = endpoint_.Take(1);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(frames[0], R"({"type":"subscribed","subscribe":"job-1"})");

    for (int i = 0; i < 5; ++i) Add("job-1", "alice");
    Add("job-2", "alice");  // not subscribed
    EXPECT_EQ(stream_.FlushOnce(), 1u);
    frames = endpoint_.Take(1);
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(TypeOf(frames[0]), "job_metrics");
    EXPECT_EQ(JobOf(frames[0]), "job-1");
    EXPECT_NE(frames[0].find(R"("samples":5)"), std::string::npos);

    EXPECT_EQ(stream_.FlushOnce(), 0u);  // nothing changed since
    EXPECT_TRUE(endpoint_.Take(1).empty());
}

TEST_F(MetricsStreamTest, UsersSeeOnlyTheirOwnJobsAdminsSeeAll) {
    Open(1, "alice-token");
    Open(2, "admin-token");
    Open(3, "bob-token");
    Say(1, R"({"subscribe":"*"})");
    Say(2, R"({"subscribe":"*"})");
    Say(3, R"({"subscribe":"job-a"})");  // alice's job: bob must not see it
    endpoint_.Take(1);
    endpoint_.Take(2);
    endpoint_.Take(3);

    Add("job-a", "alice");
    Add("job-b", "bob");
    stream_.FlushOnce();
    const auto alice = endpoint_.Take(1);
    ASSERT_EQ(alice.size(), 1u);
    EXPECT_EQ(JobOf(alice[0]), "job-a");
    EXPECT_EQ(endpoint_.Take(2).size(), 2u);
    EXPECT_TRUE(endpoint_.Take(3).empty());
}

TEST_F(MetricsStreamTest, UnsubscribeAndCloseStopUpdatesAndChangeTracking) {
    Open(1, "admin-token");
    Say(1, R"({"subscribe":"job-1"})");
    Say(1, R"({"subscribe":"*"})");
    EXPECT_EQ(stream_.Subscriptions(), 2u);
    Say(1, R"({"unsubscribe":"*"})");
    Say(1, R"({"unsubscribe":"job-1"})");
    const auto acks = endpoint_.Take(1);
    ASSERT_EQ(acks.size(), 4u);
    EXPECT_EQ(acks[3], R"({"type":"unsubscribed","unsubscribe":"job-1"})");
    EXPECT_EQ(stream_.Subscriptions(), 0u);
    Add("job-1", "alice");
    EXPECT_EQ(stream_.FlushOnce(), 0u);

    Say(1, R"({"subscribe":"job-1"})");
    callbacks_.on_close(1);
    EXPECT_EQ(stream_.Connections(), 0u);
    EXPECT_EQ(stream_.Subscriptions(), 0u);
    Add("job-1", "alice");
    // Nobody listens: the consumer no longer marks jobs, so a new subscriber starts clean.
    Open(2, "admin-token");
    Say(2, R"({"subscribe":"job-1"})");
    endpoint_.Take(2);
    EXPECT_EQ(stream_.FlushOnce(), 0u);
}

TEST_F(MetricsStreamTest, BadCommandsGetAnErrorFrame) {
    Open(1, "alice-token");
    for (const char* text : {"not json", "[1]", R"({"subscribe":5})", R"({"subscribe":""})", R"({"hello":"x"})"}) {
        Say(1, text);
        const auto frames = endpoint_.Take(1);
        ASSERT_EQ(frames.size(), 1u) << text;
        EXPECT_EQ(TypeOf(frames[0]), "error") << text;
        EXPECT_NE(frames[0].find("bad_request"), std::string::npos) << text;
    }
    EXPECT_EQ(stream_.Subscriptions(), 0u);
}

TEST_F(MetricsStreamTest, SubscriptionsPerConnectionAreCapped) {
    Open(1, "alice-token");
    for (int i = 0; i < 3; ++i) Say(1, R"({"subscribe":"job-)" + std::to_string(i) + R"("})");
    Say(1, R"({"subscribe":"job-1"})");  // already held: fine
    Say(1, R"({"subscribe":"job-9"})");
    const auto frames = endpoint_.Take(1);
    ASSERT_EQ(frames.size(), 5u);
    EXPECT_EQ(TypeOf(frames[3]), "subscribed");
    EXPECT_EQ(TypeOf(frames[4]), "error");
    EXPECT_EQ(stream_.Subscriptions(), 3u);
}

TEST_F(MetricsStreamTest, OneUserCannotTakeEveryConnectionSlot) {
    Open(1, "alice-token");
    Open(2, "alice-token");
    EXPECT_FALSE(callbacks_.on_open(3, RequestWithToken("alice-token"))) << "alice's third connection";
    Open(4, "bob-token");  // others still get in
    callbacks_.on_close(1);
    Open(5, "alice-token");  // a closed one frees its slot
    EXPECT_EQ(stream_.Connections(), 3u);
}

TEST_F(MetricsStreamTest, UpdatesBeyondThePerFlushCapAreReportedAsSkipped) {
    Open(1, "admin-token");
    Say(1, R"({"subscribe":"*"})");
    endpoint_.Take(1);
    for (int i = 0; i < 5; ++i) Add("job-" + std::to_string(i), "alice");
    EXPECT_EQ(stream_.FlushOnce(), 2u);
    const auto frames = endpoint_.Take(1);
    ASSERT_EQ(frames.size(), 3u);
    EXPECT_EQ(TypeOf(frames[2]), "updates_skipped");
    EXPECT_NE(frames[2].find(R"("count":3)"), std::string::npos);
}

TEST_F(MetricsStreamTest, ClientThatCannotKeepUpDoesNotBlockOthers) {
    Open(1, "admin-token");
    Open(2, "admin-token");
    Say(1, R"({"subscribe":"job-1"})");
    Say(2, R"({"subscribe":"job-1"})");
    endpoint_.Take(1);
    endpoint_.Take(2);
    endpoint_.full.insert(1);
    Add("job-1", "alice");
    stream_.FlushOnce();
    EXPECT_TRUE(endpoint_.Take(1).empty());
    EXPECT_EQ(endpoint_.Take(2).size(), 1u);
}

TEST_F(MetricsStreamTest, FlushesOnTimersDeliverUpdates) {
    StreamOptions options;
    options.throttle = std::chrono::milliseconds(50);
    MetricsStream stream(aggregator_, testing::TestAuthenticator(), options);
    stream.Attach(endpoint_);
    auto callbacks = stream.Callbacks();
    ASSERT_TRUE(callbacks.on_open(7, RequestWithToken("alice-token")));
    callbacks.on_message(7, R"({"subscribe":"job-7"})");
    endpoint_.Take(7);
    service::Timers timers;
    timers.Every("websocket-flush", options.throttle, [&] { stream.FlushOnce(); });
    timers.Start();
    Add("job-7", "alice");
    std::vector<std::string> frames;
    EXPECT_TRUE(cosmic::testing::WaitUntil([&] {
        frames = endpoint_.Take(7);
        return !frames.empty();
    }));
    timers.Stop();
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_EQ(JobOf(frames[0]), "job-7");
}

}  // namespace
}  // namespace cosmic::metrics
