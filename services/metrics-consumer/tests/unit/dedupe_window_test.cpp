#include "cosmic/metrics_consumer/dedupe_window.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

TEST(DedupeWindowTest, WindowBoundaryIsExactAcrossRingWraps) {
    // After every insert the window holds exactly the last `kCapacity` distinct keys: the key
    // inserted kCapacity steps ago is still a duplicate, the one before it no longer is, also
    // once the ring head has wrapped around several times.
    constexpr std::size_t kCapacity = 5;
    DedupeWindow window(kCapacity);
    for (std::uint64_t key = 1; key <= 4 * kCapacity + 2; ++key) {
        ASSERT_FALSE(window.CheckAndInsert(key)) << key;
        ASSERT_EQ(window.Size(), std::min<std::size_t>(key, kCapacity));
        if (key > kCapacity) {
            EXPECT_FALSE(window.Contains(key - kCapacity)) << key;
        }
        EXPECT_TRUE(window.Contains(key + 1 - std::min<std::uint64_t>(key, kCapacity))) << key;
    }
}

TEST(DedupeWindowTest, CapacityOneRemembersOnlyTheLastKey) {
    DedupeWindow window(1);
    EXPECT_FALSE(window.CheckAndInsert(10));
    EXPECT_TRUE(window.CheckAndInsert(10));
    EXPECT_FALSE(window.CheckAndInsert(11));  // forgets 10
    EXPECT_FALSE(window.Contains(10));
    EXPECT_TRUE(window.CheckAndInsert(11));
    EXPECT_FALSE(window.CheckAndInsert(10));
}

TEST(DedupeWindowTest, EvictionAtTheBoundaryKeepsCollidingKeysFindable) {
    // Keys sharing a home slot form one probe run; forgetting the oldest at the boundary must
    // shift the others back so each stays findable, and a repeat of a kept key is still caught.
    constexpr std::size_t kCapacity = 4;
    DedupeWindow window(kCapacity);
    const std::uint64_t stride = 1u << 20;  // same low bits for every key
    for (std::uint64_t i = 1; i <= kCapacity; ++i) ASSERT_FALSE(window.CheckAndInsert(i * stride));
    ASSERT_FALSE(window.CheckAndInsert(99 * stride));  // full: forgets 1 * stride, the head of the run
    EXPECT_FALSE(window.Contains(stride));
    for (std::uint64_t i = 2; i <= kCapacity; ++i) EXPECT_TRUE(window.CheckAndInsert(i * stride)) << i;
    EXPECT_TRUE(window.CheckAndInsert(99 * stride));
    EXPECT_EQ(window.Size(), kCapacity);
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
