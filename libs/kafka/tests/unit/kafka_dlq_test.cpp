#include <gtest/gtest.h>

#include <string>

#include "cosmic/kafka/dlq.hpp"

namespace cosmic::kafka {
namespace {

TEST(DeadLetterTest, TruncateKeepsShortTextAndCutsOnCodePointBoundaries) {
    EXPECT_EQ(TruncateUtf8("hello", 10), "hello");
    EXPECT_EQ(TruncateUtf8("hello", 5), "hello");
    EXPECT_EQ(TruncateUtf8("hello", 3), "hel");
    const std::string text = "ab\xC3\xA9" "cd";  // "abécd": é is 2 bytes at [2,3]
    EXPECT_EQ(TruncateUtf8(text, 3), "ab");
    EXPECT_EQ(TruncateUtf8(text, 4), "ab\xC3\xA9");
    const std::string euro = "x\xE2\x82\xAC";  // "x€": € is 3 bytes
    EXPECT_EQ(TruncateUtf8(euro, 2), "x");
    EXPECT_EQ(TruncateUtf8(euro, 3), "x");
    EXPECT_EQ(TruncateUtf8(euro, 4), euro);
    const std::string emoji = "\xF0\x9F\x98\x80!";  // 4-byte sequence
    EXPECT_EQ(TruncateUtf8(emoji, 1), "");
    EXPECT_EQ(TruncateUtf8(emoji, 3), "");
    EXPECT_EQ(TruncateUtf8(emoji, 4), "\xF0\x9F\x98\x80");
}

TEST(DeadLetterTest, LongMessagesStayWithinOneKibibyteAndValidUtf8) {
    std::string message;
    while (message.size() < 3000) {
        message += "\xC3\xA9";  // two bytes per character: 1024 is a boundary, 1023 is not
    }
    message = "x" + message;  // shift so the 1 KiB cut falls inside a character
    const auto cut = TruncateUtf8(message, kMaxDlqErrorMessageBytes);
    EXPECT_EQ(cut.size(), 1023u);
    EXPECT_NE(static_cast<unsigned char>(cut.back()), 0xC3);
}

TEST(DeadLetterTest, HeadersCarryOriginalsThenProvenance) {
    const Headers original = {{"event_type", "job.completed"},
                              {"traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
                              {"dlq.error.class", "stale from an earlier failure"}};
    DeadLetterInfo info;
    info.topic = "job-lifecycle";
    info.partition = 7;
    info.offset = 12345;
    info.timestamp_ms = 1767225600123;
    info.consumer_group = "notifications-consumer-group";
    info.error_class = dlq_error::kRetriesExhausted;
    const std::string long_message(5000, 'e');
    info.error_message = long_message;
    info.attempts = 5;
    info.failed_at_ms = 1767225600123;
    const Headers headers = DeadLetterHeaders(HeaderView(&original), info);
    const HeaderView view(&headers);

    ASSERT_GE(headers.size(), 2u);
    EXPECT_EQ(headers[0], original[0]);
    EXPECT_EQ(headers[1], original[1]);
    EXPECT_EQ(view.Get("dlq.original.topic"), "job-lifecycle");
    EXPECT_EQ(view.Get("dlq.original.partition"), "7");
    EXPECT_EQ(view.Get("dlq.original.offset"), "12345");
    EXPECT_EQ(view.Get("dlq.original.timestamp"), "1767225600123");
    EXPECT_EQ(view.Get("dlq.consumer.group"), "notifications-consumer-group");
    EXPECT_EQ(view.Get("dlq.error.class"), "retries_exhausted");
    EXPECT_EQ(view.Get("dlq.error.message")->size(), kMaxDlqErrorMessageBytes);
    EXPECT_EQ(view.Get("dlq.attempts"), "5");
    EXPECT_EQ(view.Get("dlq.failed_at"), "2026-01-01T00:00:00.123Z");
    int class_headers = 0;
    for (const auto& header : headers) {
        class_headers += header.name == "dlq.error.class" ? 1 : 0;
    }
    EXPECT_EQ(class_headers, 1) << "an earlier dlq.* header must be replaced, not repeated";
}

TEST(HeaderViewTest, LastOccurrenceWinsAndEmptyViewIsEmpty) {
    const Headers list = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
    const HeaderView view(&list);
    EXPECT_EQ(view.Size(), 3u);
    EXPECT_EQ(view.Get("a"), "3");
    EXPECT_EQ(view.Get("b"), "2");
    EXPECT_FALSE(view.Get("c"));
    EXPECT_EQ(view.At(1).first, "b");
    EXPECT_EQ(view.ToHeaders(), list);
    const HeaderView empty;
    EXPECT_EQ(empty.Size(), 0u);
    EXPECT_FALSE(empty.Get("a"));
}

}  // namespace
}  // namespace cosmic::kafka
