// The notification store on PostgreSQL: the shared suite on both backends, and two replicas'
// stores on one database sharing the in-app notifications and the redelivery guard. Needs
// Debian's postgresql package: without it these tests fail saying so.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "../notification_store_suite.hpp"
#include "cosmic/testing/postgres_server.hpp"

namespace cosmic::notification::suite {
namespace {

cosmic::testing::PostgresServer& Server() {
    static cosmic::testing::PostgresServer server;
    return server;
}

std::string FreshDatabase() {
    static int counter = 0;
    return Server().CreateDatabase("notify_" + std::to_string(++counter));
}

INSTANTIATE_TEST_SUITE_P(Backends, NotificationStoreSuite,
                         ::testing::Values(StoreBackend{"sqlite",
                                                        [](StoreSettings& settings) {
                                                            auto dir = std::make_shared<testing::ScratchDir>();
                                                            settings.path =
                                                                (dir->Path() / "db" / "notifications.db").string();
                                                            return std::shared_ptr<void>(dir);
                                                        }},
                                           StoreBackend{"postgresql",
                                                        [](StoreSettings& settings) {
                                                            settings.database_url = FreshDatabase();
                                                            return std::shared_ptr<void>();
                                                        }}),
                         BackendName);

TEST(PgNotificationReplicasTest, ReplicasShareTheInAppStoreAndTheRedeliveryGuard) {
    StoreSettings settings;
    settings.database_url = FreshDatabase();
    settings.durable = false;
    NotificationStore a(settings);
    NotificationStore b(settings);
    const Notification n = Make(Uuid(1), "alice");
    ASSERT_TRUE(a.DeliverInApp(n, 1, 1000));
    // The event redelivered to the other replica after a rebalance: already done there too.
    EXPECT_FALSE(b.DeliverInApp(n, 1, 2000));
    const EventRecords records = b.Lookup(n.event_id);
    ASSERT_TRUE(records[static_cast<std::size_t>(schema::Channel::kInApp)].has_value());
    a.RecordOutcome(n, schema::Channel::kEmail, DeliveryState::kSent, 1, "", 3000);
    EXPECT_TRUE(b.Lookup(n.event_id)[static_cast<std::size_t>(schema::Channel::kEmail)].has_value());
    // The user's list is the same through either replica, and reading through one shows in the other.
    const InAppPage page = b.List("alice", false, 10, std::nullopt);
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(a.UnreadCount("alice"), 1);
    ASSERT_TRUE(b.MarkRead("alice", page.items[0].id, 4000));
    EXPECT_EQ(a.UnreadCount("alice"), 0);
    std::string detail;
    EXPECT_TRUE(a.Ready(detail)) << detail;
    EXPECT_NE(detail.find("postgresql://"), std::string::npos) << detail;
}

}  // namespace
}  // namespace cosmic::notification::suite
