#include "dedupe_window.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <set>

namespace cosmic::metrics {
namespace {

TEST(DedupeWindowTest, SecondSightingIsADuplicate) {
    DedupeWindow window(4);
    EXPECT_FALSE(window.CheckAndInsert(42));
    EXPECT_TRUE(window.CheckAndInsert(42));
    EXPECT_FALSE(window.CheckAndInsert(43));
    EXPECT_EQ(window.Size(), 2u);
}

TEST(DedupeWindowTest, ZeroKeyIsAnOrdinaryKey) {
    DedupeWindow window(4);
    EXPECT_FALSE(window.CheckAndInsert(0));
    EXPECT_TRUE(window.CheckAndInsert(0));
}

TEST(DedupeWindowTest, OldestIdIsForgottenWhenFull) {
    DedupeWindow window(3);
    for (std::uint64_t key : {1, 2, 3}) EXPECT_FALSE(window.CheckAndInsert(key));
    EXPECT_FALSE(window.CheckAndInsert(4));  // forgets 1
    EXPECT_EQ(window.Size(), 3u);
    EXPECT_FALSE(window.Contains(1));
    EXPECT_TRUE(window.Contains(2));
    EXPECT_FALSE(window.CheckAndInsert(1));  // accepted again: it left the window
}

TEST(DedupeWindowTest, ZeroCapacityNeverReportsDuplicates) {
    DedupeWindow window(0);
    EXPECT_FALSE(window.CheckAndInsert(7));
    EXPECT_FALSE(window.CheckAndInsert(7));
}

TEST(DedupeWindowTest, MatchesAModelUnderChurn) {
    // Small key space with colliding home slots exercises backward-shift deletion.
    constexpr std::size_t kCapacity = 50;
    DedupeWindow window(kCapacity);
    std::deque<std::uint64_t> order;
    std::multiset<std::uint64_t> present;
    std::mt19937_64 rng(1);
    for (int i = 0; i < 20000; ++i) {
        const std::uint64_t key = rng() % 200 * 128;  // multiples of 128: same low bits
        const bool expected = present.count(key) > 0;
        ASSERT_EQ(window.CheckAndInsert(key), expected) << "step " << i;
        if (!expected) {
            order.push_back(key);
            present.insert(key);
            if (order.size() > kCapacity) {
                present.erase(present.find(order.front()));
                order.pop_front();
            }
        }
        ASSERT_EQ(window.Size(), order.size());
    }
    for (std::uint64_t key : order) EXPECT_TRUE(window.Contains(key));
}

}  // namespace
}  // namespace cosmic::metrics
