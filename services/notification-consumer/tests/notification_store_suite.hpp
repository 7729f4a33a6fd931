#pragma once
// The notification store's behaviour, one suite for both backends: the unit tests instantiate it
// on SQLite, the integration tests on SQLite and PostgreSQL.

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "cosmic/notification_consumer/notification_store.hpp"
#include "cosmic/schema/parser.hpp"
#include "notify_test_support.hpp"

namespace cosmic::notification::suite {

/// Fills the backend part of the settings (a SQLite path or a PostgreSQL URL) for one test and
/// keeps what it needs alive (a directory, a database).
struct StoreBackend {
    std::string name;
    std::function<std::shared_ptr<void>(StoreSettings&)> prepare;
};

inline void PrintTo(const StoreBackend& backend, std::ostream* out) { *out << backend.name; }
inline std::string BackendName(const ::testing::TestParamInfo<StoreBackend>& info) { return info.param.name; }

inline Notification Make(const std::string& event_id, const std::string& user, const std::string& job = "job-1") {
    schema::Parser parser;
    schema::Event event;
    const auto violation = parser.Parse(schema::TopicId::kJobLifecycle,
                                        testing::LifecycleJson(event_id, "job.completed", job, user), event);
    EXPECT_FALSE(violation.has_value());
    return MakeNotification(event, JobOutcome::kCompleted, nullptr, "");
}

inline std::string Uuid(int i) {
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "00000000-0000-4000-8000-%012d", i);
    return buffer;
}

class NotificationStoreSuite : public ::testing::TestWithParam<StoreBackend> {
  protected:
    void SetUp() override {
        settings_.inapp_max_per_user = 5;
        settings_.durable = false;
        keep_ = GetParam().prepare(settings_);
    }
    StoreSettings settings_;
    std::shared_ptr<void> keep_;
};

TEST_P(NotificationStoreSuite, InAppIsStoredOnceWithItsDeliveryRecord) {
    NotificationStore store(settings_);
    const Notification n = Make(Uuid(1), "u1");
    EXPECT_TRUE(store.DeliverInApp(n, 1, 1000));
    EXPECT_FALSE(store.DeliverInApp(n, 1, 2000)) << "a redelivered event adds no second row";
    const EventRecords records = store.Lookup(n.event_id);
    ASSERT_TRUE(records[static_cast<std::size_t>(schema::Channel::kInApp)].has_value());
    EXPECT_EQ(records[static_cast<std::size_t>(schema::Channel::kInApp)]->state, DeliveryState::kSent);
    EXPECT_FALSE(records[static_cast<std::size_t>(schema::Channel::kInApp)]->receipt);
    EXPECT_FALSE(records[static_cast<std::size_t>(schema::Channel::kEmail)].has_value());
    store.MarkReceipt(n.event_id, schema::Channel::kInApp);
    EXPECT_TRUE(store.Lookup(n.event_id)[static_cast<std::size_t>(schema::Channel::kInApp)]->receipt);

    store.RecordOutcome(n, schema::Channel::kEmail, DeliveryState::kFailed, 5, "smtp: refused", 3000);
    const auto email = store.Lookup(n.event_id)[static_cast<std::size_t>(schema::Channel::kEmail)];
    ASSERT_TRUE(email.has_value());
    EXPECT_EQ(email->state, DeliveryState::kFailed);
    EXPECT_EQ(email->attempts, 5);
    EXPECT_EQ(store.List("u1", false, 10, std::nullopt).items.size(), 1u);
}

TEST_P(NotificationStoreSuite, KeepsTheNewestPerUserAndPagesNewestFirst) {
    NotificationStore store(settings_);
    for (int i = 1; i <= 8; ++i) store.DeliverInApp(Make(Uuid(i), "u1", "job-" + std::to_string(i)), 1, i);
    store.DeliverInApp(Make(Uuid(100), "u2", "other"), 1, 1);
    const InAppPage first = store.List("u1", false, 3, std::nullopt);
    ASSERT_EQ(first.items.size(), 3u);
    EXPECT_EQ(first.items[0].job_id, "job-8");
    ASSERT_TRUE(first.next_cursor.has_value());
    const InAppPage second = store.List("u1", false, 3, first.next_cursor);
    ASSERT_EQ(second.items.size(), 2u) << "inapp.max_per_user = 5 keeps 5";
    EXPECT_EQ(second.items[1].job_id, "job-4");
    EXPECT_FALSE(second.next_cursor.has_value());
    EXPECT_EQ(store.List("u2", false, 10, std::nullopt).items.size(), 1u) << "another user's rows are not trimmed";
}

TEST_P(NotificationStoreSuite, MarkingReadIsPerUser) {
    NotificationStore store(settings_);
    store.DeliverInApp(Make(Uuid(1), "u1"), 1, 1);
    store.DeliverInApp(Make(Uuid(2), "u1"), 1, 2);
    store.DeliverInApp(Make(Uuid(3), "u2"), 1, 3);
    const auto u2_row = store.List("u2", false, 10, std::nullopt).items.at(0);
    EXPECT_FALSE(store.MarkRead("u1", u2_row.id, 10).has_value()) << "u1 cannot touch u2's notification";
    EXPECT_EQ(store.UnreadCount("u2"), 1);
    const auto u1_rows = store.List("u1", false, 10, std::nullopt).items;
    const auto marked = store.MarkRead("u1", u1_rows[0].id, 10);
    ASSERT_TRUE(marked.has_value());
    EXPECT_EQ(marked->read_ms, 10);
    EXPECT_EQ(store.UnreadCount("u1"), 1);
    EXPECT_EQ(store.List("u1", true, 10, std::nullopt).items.size(), 1u);
    EXPECT_EQ(store.MarkAllRead("u1", 20), 1);
    EXPECT_EQ(store.UnreadCount("u1"), 0);
    EXPECT_EQ(store.UnreadCount("u2"), 1);
}

TEST_P(NotificationStoreSuite, PurgesByAge) {
    settings_.inapp_retention_ms = 1000;
    settings_.dedupe_retention_ms = 5000;
    NotificationStore store(settings_);
    const Notification old_one = Make(Uuid(1), "u1");
    store.DeliverInApp(old_one, 1, 100);
    store.DeliverInApp(Make(Uuid(2), "u1"), 1, 4000);
    const PurgeCounts purged = store.Purge(4500);
    EXPECT_EQ(purged.inapp, 1);
    EXPECT_EQ(purged.deliveries, 0);
    EXPECT_TRUE(store.Lookup(old_one.event_id)[static_cast<std::size_t>(schema::Channel::kInApp)].has_value());
    EXPECT_EQ(store.Purge(5200).deliveries, 1);
    EXPECT_FALSE(store.Lookup(old_one.event_id)[static_cast<std::size_t>(schema::Channel::kInApp)].has_value());
}

TEST_P(NotificationStoreSuite, SurvivesReopening) {
    const Notification n = Make(Uuid(1), "u1");
    {
        NotificationStore store(settings_);
        store.DeliverInApp(n, 1, 1);
    }
    NotificationStore again(settings_);
    EXPECT_TRUE(again.Lookup(n.event_id)[static_cast<std::size_t>(schema::Channel::kInApp)].has_value());
    EXPECT_FALSE(again.DeliverInApp(n, 1, 2));
}

}  // namespace cosmic::notification::suite
