#include "cosmic/telemetry/trace.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cosmic::telemetry {
namespace {

constexpr const char* kValid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

TEST(TraceTest, ParsesTheSpecExample) {
    const std::optional<TraceContext> context = ParseTraceparent(kValid);
    ASSERT_TRUE(context);
    EXPECT_EQ(context->trace_id, "0af7651916cd43dd8448eb211c80319c");
    EXPECT_EQ(context->span_id, "b7ad6b7169203331");
    EXPECT_TRUE(context->sampled);
    EXPECT_EQ(context->ToTraceparent(), kValid);
}

TEST(TraceTest, SampledFlagIsBitZero) {
    auto context = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    ASSERT_TRUE(context);
    EXPECT_FALSE(context->sampled);
    EXPECT_EQ(context->ToTraceparent(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    context = ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03");
    ASSERT_TRUE(context);
    EXPECT_TRUE(context->sampled);
}

TEST(TraceTest, RejectsMalformedHeaders) {
    const std::vector<std::string> bad{
        "",
        "00",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",           // no flags
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra",  // version 00 has no extra fields
        "00-0af7651916cd43dd8448eb211c80319-b7ad6b7169203331-01",         // trace id too short
        "00-0af7651916cd43dd8448eb211c80319cc-b7ad6b716920333-01",        // lengths shifted
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",        // upper-case hex
        "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0A",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // all-zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // all-zero span id
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // forbidden version
        "0g-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01",
        "00-0af7651916cd43dd8448eb211c8031zz-b7ad6b7169203331-01",
        "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",  // later version: extra needs '-'
    };
    for (const std::string& header : bad) {
        EXPECT_FALSE(ParseTraceparent(header)) << header;
    }
}

TEST(TraceTest, LaterVersionsMayAppendFields) {
    const auto context =
        ParseTraceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-what-the-future-holds");
    ASSERT_TRUE(context);
    EXPECT_EQ(context->trace_id, "0af7651916cd43dd8448eb211c80319c");
    // What we emit is always version 00.
    EXPECT_EQ(context->ToTraceparent().substr(0, 3), "00-");
}

TEST(TraceTest, NewTraceIsWellFormedAndUnique) {
    const std::regex format("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
    std::set<std::string> trace_ids;
    for (int i = 0; i < 1000; ++i) {
        const TraceContext context = NewTrace();
        const std::string header = context.ToTraceparent();
        ASSERT_TRUE(std::regex_match(header, format)) << header;
        ASSERT_TRUE(ParseTraceparent(header)) << header;
        trace_ids.insert(context.trace_id);
    }
    EXPECT_EQ(trace_ids.size(), 1000U);
}

TEST(TraceTest, ThreadsDoNotShareARandomSequence) {
    std::vector<std::string> ids(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < ids.size(); ++t) {
        threads.emplace_back([&ids, t] { ids[t] = NewTrace().trace_id; });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(TraceTest, ChildKeepsTraceAndFlagsWithNewSpan) {
    const TraceContext parent = *ParseTraceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    const TraceContext child = parent.Child();
    EXPECT_EQ(child.trace_id, parent.trace_id);
    EXPECT_NE(child.span_id, parent.span_id);
    EXPECT_EQ(child.span_id.size(), 16U);
    EXPECT_FALSE(child.sampled);
    EXPECT_TRUE(ParseTraceparent(child.ToTraceparent()));
}

}  // namespace
}  // namespace cosmic::telemetry
