// The pure parts of the librdkafka log bridge: level mapping and the per-facility limiter.

// Private header of this library (no public API): the path is relative on purpose.
#include <gtest/gtest.h>

#include "../../src/log_bridge.hpp"

namespace cosmic::kafka::client_detail {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(KafkaLogBridgeTest, SyslogLevelsMapToSpdlogLevels) {
    EXPECT_EQ(LevelFromSyslog(0), spdlog::level::critical);
    EXPECT_EQ(LevelFromSyslog(1), spdlog::level::critical);
    EXPECT_EQ(LevelFromSyslog(2), spdlog::level::critical);
    EXPECT_EQ(LevelFromSyslog(3), spdlog::level::err);
    EXPECT_EQ(LevelFromSyslog(4), spdlog::level::warn);
    EXPECT_EQ(LevelFromSyslog(5), spdlog::level::info);
    EXPECT_EQ(LevelFromSyslog(6), spdlog::level::info);
    EXPECT_EQ(LevelFromSyslog(7), spdlog::level::debug);
}

TEST(KafkaLogBridgeTest, LimiterPassesABurstPerFacilityThenCountsTheRest) {
    FacilityLimiter limiter(3, milliseconds(1000));
    const Clock::time_point t0{};
    std::uint64_t suppressed = 99;
    for (int i = 0; i < 3; ++i) {
        EXPECT_TRUE(limiter.Allow("FAIL", t0 + milliseconds(i), suppressed));
        EXPECT_EQ(suppressed, 0u);
    }
    for (int i = 0; i < 7; ++i) EXPECT_FALSE(limiter.Allow("FAIL", t0 + milliseconds(10 + i), suppressed));
    // Another facility has its own budget.
    EXPECT_TRUE(limiter.Allow("BROKERFAIL", t0 + milliseconds(20), suppressed));
    // The next window lets lines through again and reports what the last one held back.
    EXPECT_TRUE(limiter.Allow("FAIL", t0 + milliseconds(1000), suppressed));
    EXPECT_EQ(suppressed, 7u);
    EXPECT_TRUE(limiter.Allow("FAIL", t0 + milliseconds(1001), suppressed));
    EXPECT_EQ(suppressed, 0u);
}

}  // namespace
}  // namespace cosmic::kafka::client_detail
