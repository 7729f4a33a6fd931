#pragma once
/// The notification store on PostgreSQL: the in-app notifications and the delivery records in one
/// database shared by every replica, so a user sees the same in-app list through any replica and an
/// event redelivered to another replica after a rebalance finds the outcomes already recorded.
/// Same contract as the SQLite store (NotificationStore dispatches to it); every call is one
/// transaction on a pooled connection, retried after a transient error.

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/notification_consumer/notification_store.hpp"
#include "cosmic/store/postgres.hpp"

namespace cosmic::notification {

class PgNotificationStore {
  public:
    /// Connects and migrates; throws store::pg::PgError.
    explicit PgNotificationStore(const StoreSettings& settings);

    EventRecords Lookup(std::string_view event_id);
    void RecordOutcome(const Notification& n, schema::Channel channel, DeliveryState state, int attempts,
                       std::string_view error, std::int64_t now_ms);
    bool DeliverInApp(const Notification& n, int attempts, std::int64_t now_ms);
    void MarkReceipt(std::string_view event_id, schema::Channel channel);
    InAppPage List(std::string_view user_id, bool unread_only, std::size_t limit, std::optional<std::int64_t> cursor);
    std::optional<InAppNotification> MarkRead(std::string_view user_id, std::int64_t id, std::int64_t now_ms);
    std::int64_t MarkAllRead(std::string_view user_id, std::int64_t now_ms);
    std::int64_t UnreadCount(std::string_view user_id);
    PurgeCounts Purge(std::int64_t now_ms);
    /// One query without retries.
    bool Ready(std::string& detail);
    const std::string& Description() const { return description_; }

  private:
    void Transact(const std::function<void(store::pg::Connection&)>& work);

    StoreSettings settings_;
    std::string description_;
    std::unique_ptr<store::pg::Pool> pool_;
};

}  // namespace cosmic::notification
