#include "cosmic/job_orchestrator/outbox_message.hpp"

#include <gtest/gtest.h>

#include <string>

namespace cosmic::orchestrator {
namespace {

TEST(OutboxHeadersTest, RoundTripKeepsOrderRepeatsAndAnyBytes) {
    const kafka::Headers headers = {{"event_type", "job.queued"},
                                    {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                                    {"x", std::string("a\0b", 3)},
                                    {"x", ""},
                                    {"", "empty name"}};
    std::string bytes;
    EncodeHeaders(headers, bytes);
    kafka::Headers decoded = {{"stale", "value"}, {"more", "stale"}, {"a", "b"}, {"c", "d"}, {"e", "f"}, {"g", "h"}};
    ASSERT_TRUE(DecodeHeaders(bytes, decoded));
    EXPECT_EQ(decoded, headers);
}

TEST(OutboxHeadersTest, EmptyListIsEmptyBytes) {
    std::string bytes = "leftover";
    EncodeHeaders({}, bytes);
    EXPECT_TRUE(bytes.empty());
    kafka::Headers decoded = {{"a", "b"}};
    ASSERT_TRUE(DecodeHeaders(bytes, decoded));
    EXPECT_TRUE(decoded.empty());
}

TEST(OutboxHeadersTest, TruncatedBytesAreRejected) {
    std::string bytes;
    EncodeHeaders({{"event_type", "job.queued"}}, bytes);
    for (std::size_t cut = 1; cut < bytes.size(); ++cut) {
        kafka::Headers decoded;
        EXPECT_FALSE(DecodeHeaders(std::string_view(bytes).substr(0, cut), decoded)) << cut;
    }
}

}  // namespace
}  // namespace cosmic::orchestrator
