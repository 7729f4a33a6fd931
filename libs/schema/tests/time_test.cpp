#include <gtest/gtest.h>

#include <limits>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {
namespace {

TEST(Timestamp, FormatsUtcWithMilliseconds) {
    EXPECT_EQ(FormatTimestamp(0), "1970-01-01T00:00:00.000Z");
    EXPECT_EQ(FormatTimestamp(1'767'323'045'678), "2026-01-02T03:04:05.678Z");
    EXPECT_EQ(FormatTimestamp(951'782'400'000), "2000-02-29T00:00:00.000Z");  // leap day of a 400-year
    EXPECT_EQ(FormatTimestamp(-1), "1969-12-31T23:59:59.999Z");               // before the epoch
    EXPECT_EQ(FormatTimestamp(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
}

TEST(Timestamp, FormatClampsToFourDigitYears) {
    EXPECT_EQ(FormatTimestamp(std::numeric_limits<std::int64_t>::max()), "9999-12-31T23:59:59.999Z");
    EXPECT_EQ(FormatTimestamp(std::numeric_limits<std::int64_t>::min()), "0000-01-01T00:00:00.000Z");
}

TEST(Timestamp, ParseIsTheInverseOfFormat) {
    for (std::int64_t ms :
         {0LL, 1LL, -1LL, 1'767'323'045'678LL, 951'782'400'000LL, 4'102'444'799'999LL, -62'167'219'200'000LL}) {
        const auto parsed = ParseTimestamp(FormatTimestamp(ms));
        ASSERT_TRUE(parsed) << ms;
        EXPECT_EQ(*parsed, ms);
    }
    // Every day of four years, including a leap year, at an odd time of day.
    for (std::int64_t day = 20'000; day < 20'000 + 4 * 366; ++day) {
        const std::int64_t ms = day * 86'400'000 + 45'296'789;
        ASSERT_EQ(ParseTimestamp(FormatTimestamp(ms)), ms) << FormatTimestamp(ms);
    }
}

TEST(Timestamp, OffsetsAreConvertedToUtc) {
    const auto utc = ParseTimestamp("2026-01-02T03:04:05.678Z");
    EXPECT_EQ(ParseTimestamp("2026-01-02T05:04:05.678+02:00"), utc);
    EXPECT_EQ(ParseTimestamp("2026-01-01T21:34:05.678-05:30"), utc);
    EXPECT_EQ(ParseTimestamp("2026-01-02T03:04:05.678+00:00"), utc);
    EXPECT_EQ(ParseTimestamp("2026-01-02t03:04:05.678z"), utc);
    // Crossing a year boundary through the offset.
    EXPECT_EQ(ParseTimestamp("2025-12-31T23:30:00-01:00"), ParseTimestamp("2026-01-01T00:30:00Z"));
}

TEST(Timestamp, FractionsOfAnyLengthAreTruncatedToMilliseconds) {
    EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:01Z"), 1000);
    EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:01.5Z"), 1500);
    EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:01.25Z"), 1250);
    EXPECT_EQ(ParseTimestamp("1970-01-01T00:00:01.123456789Z"), 1123);
}

TEST(Timestamp, LeapYearsAndMonthLengths) {
    EXPECT_TRUE(ParseTimestamp("2024-02-29T00:00:00Z"));
    EXPECT_TRUE(ParseTimestamp("2000-02-29T00:00:00Z"));
    EXPECT_FALSE(ParseTimestamp("2026-02-29T00:00:00Z"));
    EXPECT_FALSE(ParseTimestamp("1900-02-29T00:00:00Z"));  // divisible by 100, not by 400
    EXPECT_FALSE(ParseTimestamp("2026-02-30T00:00:00Z"));
    EXPECT_FALSE(ParseTimestamp("2026-04-31T00:00:00Z"));
    EXPECT_TRUE(ParseTimestamp("2026-12-31T00:00:00Z"));
}

TEST(Timestamp, LeapSecondCountsAsTheNextSecond) {
    EXPECT_EQ(ParseTimestamp("2016-12-31T23:59:60Z"), ParseTimestamp("2017-01-01T00:00:00Z"));
    EXPECT_FALSE(ParseTimestamp("2016-12-31T23:58:60Z"));
}

TEST(Timestamp, RejectsMalformedText) {
    for (const char* text : {"",
                             "2026-01-02",
                             "2026-01-02T03:04:05",
                             "2026-01-02 03:04:05Z",
                             "2026-1-02T03:04:05Z",
                             "2026-13-02T03:04:05Z",
                             "2026-00-02T03:04:05Z",
                             "2026-01-00T03:04:05Z",
                             "2026-01-02T24:00:00Z",
                             "2026-01-02T03:60:05Z",
                             "2026-01-02T03:04:61Z",
                             "2026-01-02T03:04:05.Z",
                             "2026-01-02T03:04:05.678",
                             "2026-01-02T03:04:05+0200",
                             "2026-01-02T03:04:05+24:00",
                             "2026-01-02T03:04:05+02:60",
                             "2026-01-02T03:04:05Zjunk",
                             "2026-01-02T03:04:05+02:00junk",
                             "+2026-01-02T03:04:05Z",
                             "2026-01-02T03:04:05.12a4Z",
                             "abcd-ef-ghTij:kl:mnZ"}) {
        EXPECT_FALSE(ParseTimestamp(text)) << text;
    }
}

TEST(Timestamp, NowIsCurrent) {
    const std::int64_t now = NowEpochMs();
    EXPECT_GT(now, *ParseTimestamp("2024-01-01T00:00:00Z"));
    EXPECT_LT(now, *ParseTimestamp("2200-01-01T00:00:00Z"));
}

}  // namespace
}  // namespace cosmic::schema
