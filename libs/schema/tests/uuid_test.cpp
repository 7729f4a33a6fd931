#include "cosmic/schema/uuid.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <unordered_set>
#include <vector>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {
namespace {

TEST(Uuid, CanonicalVersion4Form) {
    for (int i = 0; i < 1000; ++i) {
        const std::string id = NewUuid();
        ASSERT_EQ(id.size(), 36U);
        ASSERT_TRUE(IsUuid(id)) << id;
        EXPECT_EQ(id[14], '4') << id;                                                    // version
        EXPECT_NE(std::string_view("89ab").find(id[19]), std::string_view::npos) << id;  // RFC 4122 variant
        EXPECT_TRUE(std::none_of(id.begin(), id.end(), [](char c) { return c >= 'A' && c <= 'F'; })) << id;
    }
}

TEST(Uuid, UniqueAcrossThreads) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 20'000;
    std::vector<std::vector<std::string>> ids(kThreads);
    std::vector<std::thread> threads;
    threads.reserve(kThreads);
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&ids, t] {
            ids[static_cast<std::size_t>(t)].reserve(kPerThread);
            for (int i = 0; i < kPerThread; ++i) {
                ids[static_cast<std::size_t>(t)].push_back(NewUuid());
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    std::unordered_set<std::string> all;
    for (const auto& list : ids) {
        all.insert(list.begin(), list.end());
    }
    EXPECT_EQ(all.size(), static_cast<std::size_t>(kThreads * kPerThread));
}

TEST(Uuid, AppendAddsToTheEnd) {
    std::string text = "id=";
    AppendNewUuid(text);
    EXPECT_EQ(text.substr(0, 3), "id=");
    EXPECT_TRUE(IsUuid(std::string_view(text).substr(3)));
}

TEST(Uuid, IsUuidRejectsOtherShapes) {
    EXPECT_TRUE(IsUuid("3F1C2A9E-8B7D-4C21-9F3E-2A1B0C9D8E7F"));
    EXPECT_TRUE(IsUuid("00000000-0000-0000-0000-000000000000"));
    for (const char* text : {"", "3f1c2a9e8b7d4c219f3e2a1b0c9d8e7f", "3f1c2a9e-8b7d-4c21-9f3e-2a1b0c9d8e7",
                             "3f1c2a9e-8b7d-4c21-9f3e-2a1b0c9d8e7ff", "3f1c2a9e_8b7d-4c21-9f3e-2a1b0c9d8e7f",
                             "3f1c2a9e-8b7d-4c21-9f3e-2a1b0c9d8e7g", "{3f1c2a9e-8b7d-4c21-9f3e-2a1b0c9d8e7}"}) {
        EXPECT_FALSE(IsUuid(text)) << text;
    }
}

}  // namespace
}  // namespace cosmic::schema
