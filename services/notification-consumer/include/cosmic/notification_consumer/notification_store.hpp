#pragma once
/// The service's SQLite store (libs/store; WAL): the in-app notifications the API serves, and one
/// delivery record per (source event_id, channel) — the durable guard that makes a redelivered
/// event (restart, rebalance) a no-op for every channel that already has its outcome.
///
/// A channel's record is written once its outcome is final (sent, failed after its retries,
/// skipped), in the same transaction as the in-app row for the in-app channel; `receipt` turns 1
/// when notification.sent/failed for it was acknowledged by Kafka. Both bounded: in-app rows per
/// user and by age, delivery records by age.

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/notification_consumer/notification.hpp"
#include "cosmic/notification_consumer/notify_config.hpp"
#include "cosmic/store/sqlite.hpp"

namespace cosmic::notification {

enum class DeliveryState : std::uint8_t { kSent, kFailed, kSkipped };
std::string_view ToString(DeliveryState state) noexcept;

/// A channel's durable record.
struct DeliveryRecord {
    DeliveryState state = DeliveryState::kSent;
    bool receipt = false;
    int attempts = 0;
};

/// Records of one event by channel (index = schema::Channel).
using EventRecords = std::array<std::optional<DeliveryRecord>, 4>;

struct InAppNotification {
    std::int64_t id = 0;
    std::string user_id;
    std::string event_id;
    std::string job_id;
    std::string event_type;
    std::string outcome;
    std::string title;
    std::string body;
    std::string occurred_at;
    std::int64_t created_ms = 0;
    std::optional<std::int64_t> read_ms;
};

struct InAppPage {
    std::vector<InAppNotification> items;
    std::optional<std::int64_t> next_cursor;  ///< pass as cursor for the next (older) page
};

struct PurgeCounts {
    std::int64_t inapp = 0;
    std::int64_t deliveries = 0;
};

class PgNotificationStore;

/// SQLite by default; with `settings.database_url` = postgresql://… every call goes to a
/// PgNotificationStore shared by all replicas.
class NotificationStore {
  public:
    /// Opens (creating) the file and its schema, or connects and migrates the PostgreSQL one.
    /// Throws store::StoreError / store::pg::PgError.
    explicit NotificationStore(const StoreSettings& settings);
    ~NotificationStore();

    EventRecords Lookup(std::string_view event_id);
    /// Records a final outcome (not for in-app: DeliverInApp records its own).
    void RecordOutcome(const Notification& n, schema::Channel channel, DeliveryState state, int attempts,
                       std::string_view error, std::int64_t now_ms);
    /// Stores the in-app notification and its delivery record in one transaction and trims the
    /// user's oldest beyond inapp.max_per_user. Returns false when the event already had one.
    bool DeliverInApp(const Notification& n, int attempts, std::int64_t now_ms);
    void MarkReceipt(std::string_view event_id, schema::Channel channel);

    /// Newest first; `cursor` = an id from a previous page's next_cursor (items older than it).
    InAppPage List(std::string_view user_id, bool unread_only, std::size_t limit, std::optional<std::int64_t> cursor);
    /// nullopt when `id` is not one of the user's notifications.
    std::optional<InAppNotification> MarkRead(std::string_view user_id, std::int64_t id, std::int64_t now_ms);
    /// How many were marked.
    std::int64_t MarkAllRead(std::string_view user_id, std::int64_t now_ms);
    std::int64_t UnreadCount(std::string_view user_id);

    /// Removes in-app rows and delivery records past their retention.
    PurgeCounts Purge(std::int64_t now_ms);

    /// For /readyz.
    bool Ready(std::string& detail);
    /// The SQLite file, or the PostgreSQL URL without its password.
    const std::string& Path() const { return description_; }

  private:
    InAppNotification ReadRow(const store::Statement& statement) const;

    StoreSettings settings_;
    std::string description_;
    std::unique_ptr<PgNotificationStore> pg_;
    std::mutex write_mutex_;
    std::unique_ptr<store::Database> writer_;
    store::Statement upsert_delivery_;
    store::Statement insert_inapp_;
    store::Statement trim_inapp_;
    store::Statement mark_receipt_;
    store::Statement mark_read_;
    store::Statement mark_all_read_;
    store::Statement purge_inapp_;
    store::Statement purge_deliveries_;

    std::mutex read_mutex_;
    std::unique_ptr<store::Database> reader_;
    store::Statement lookup_;
    store::Statement list_all_;
    store::Statement list_unread_;
    store::Statement get_one_;
    store::Statement unread_count_;
};

}  // namespace cosmic::notification
