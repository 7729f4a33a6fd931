#include "cosmic/notification_consumer/notification_store.hpp"

#include <filesystem>
#include <limits>

#include "cosmic/notification_consumer/pg_notification_store.hpp"

namespace cosmic::notification {

namespace {

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS deliveries(
    event_id   TEXT NOT NULL,
    channel    TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    job_id     TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('sent', 'failed', 'skipped')),
    attempts   INTEGER NOT NULL,
    error      TEXT NOT NULL DEFAULT '',
    receipt    INTEGER NOT NULL DEFAULT 0,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (event_id, channel)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS deliveries_updated ON deliveries(updated_ms);
CREATE TABLE IF NOT EXISTS inapp(
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     TEXT NOT NULL,
    event_id    TEXT NOT NULL UNIQUE,
    job_id      TEXT NOT NULL,
    event_type  TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    created_ms  INTEGER NOT NULL,
    read_ms     INTEGER
);
CREATE INDEX IF NOT EXISTS inapp_user ON inapp(user_id, id);
CREATE INDEX IF NOT EXISTS inapp_user_unread ON inapp(user_id, id) WHERE read_ms IS NULL;
CREATE INDEX IF NOT EXISTS inapp_created ON inapp(created_ms);
)sql";

constexpr std::string_view kColumns =
    "id, user_id, event_id, job_id, event_type, outcome, title, body, occurred_at, created_ms, read_ms";

std::string PrepareFile(const std::string& path) {
    const std::filesystem::path parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent);
    return path;
}

std::optional<DeliveryState> ParseState(std::string_view text) {
    if (text == "sent") return DeliveryState::kSent;
    if (text == "failed") return DeliveryState::kFailed;
    if (text == "skipped") return DeliveryState::kSkipped;
    return std::nullopt;
}

}  // namespace

std::string_view ToString(DeliveryState state) noexcept {
    switch (state) {
        case DeliveryState::kSent:
            return "sent";
        case DeliveryState::kFailed:
            return "failed";
        case DeliveryState::kSkipped:
            return "skipped";
    }
    return "unknown";
}

NotificationStore::~NotificationStore() = default;

NotificationStore::NotificationStore(const StoreSettings& settings) : settings_(settings) {
    if (!settings_.database_url.empty()) {
        pg_ = std::make_unique<PgNotificationStore>(settings_);
        description_ = pg_->Description();
        return;
    }
    description_ = settings_.path;
    writer_ = std::make_unique<store::Database>(PrepareFile(settings_.path));
    reader_ = std::make_unique<store::Database>(settings_.path, store::Database::Mode::kReadWrite);
    writer_->EnableWal();
    writer_->Exec(settings_.durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    writer_->Exec(kSchema);
    upsert_delivery_ = writer_->Prepare(
        "INSERT INTO deliveries(event_id, channel, user_id, job_id, state, attempts, error, receipt, updated_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8) ON CONFLICT(event_id, channel) DO UPDATE SET "
        "state = excluded.state, attempts = excluded.attempts, error = excluded.error, updated_ms = "
        "excluded.updated_ms");
    insert_inapp_ = writer_->Prepare(
        "INSERT OR IGNORE INTO inapp(user_id, event_id, job_id, event_type, outcome, title, body, occurred_at, "
        "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    trim_inapp_ = writer_->Prepare(
        "DELETE FROM inapp WHERE user_id = ?1 AND id <= (SELECT id FROM inapp WHERE user_id = ?1 ORDER BY id DESC "
        "LIMIT 1 OFFSET ?2)");
    mark_receipt_ = writer_->Prepare("UPDATE deliveries SET receipt = 1 WHERE event_id = ?1 AND channel = ?2");
    mark_read_ = writer_->Prepare("UPDATE inapp SET read_ms = ?3 WHERE id = ?2 AND user_id = ?1 AND read_ms IS NULL");
    mark_all_read_ = writer_->Prepare("UPDATE inapp SET read_ms = ?2 WHERE user_id = ?1 AND read_ms IS NULL");
    purge_inapp_ =
        writer_->Prepare("DELETE FROM inapp WHERE id IN (SELECT id FROM inapp WHERE created_ms < ?1 LIMIT ?2)");
    purge_deliveries_ = writer_->Prepare(
        "DELETE FROM deliveries WHERE (event_id, channel) IN (SELECT event_id, channel FROM deliveries WHERE "
        "updated_ms < ?1 LIMIT ?2)");

    lookup_ = reader_->Prepare("SELECT channel, state, receipt, attempts FROM deliveries WHERE event_id = ?1");
    list_all_ = reader_->Prepare("SELECT " + std::string(kColumns) +
                                 " FROM inapp WHERE user_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3");
    list_unread_ = reader_->Prepare("SELECT " + std::string(kColumns) +
                                    " FROM inapp WHERE user_id = ?1 AND id < ?2 AND read_ms IS NULL ORDER BY id DESC "
                                    "LIMIT ?3");
    get_one_ = reader_->Prepare("SELECT " + std::string(kColumns) + " FROM inapp WHERE user_id = ?1 AND id = ?2");
    unread_count_ = reader_->Prepare("SELECT COUNT(*) FROM inapp WHERE user_id = ?1 AND read_ms IS NULL");
}

EventRecords NotificationStore::Lookup(std::string_view event_id) {
    if (pg_) return pg_->Lookup(event_id);
    EventRecords records;
    std::lock_guard lock(read_mutex_);
    store::StatementScope scope(lookup_);
    lookup_.Bind(1, event_id);
    while (lookup_.Step()) {
        const auto channel = schema::ParseChannel(lookup_.Text(0));
        const auto state = ParseState(lookup_.Text(1));
        if (!channel || !state) continue;
        records[static_cast<std::size_t>(*channel)] =
            DeliveryRecord{*state, lookup_.Int(2) != 0, static_cast<int>(lookup_.Int(3))};
    }
    return records;
}

void NotificationStore::RecordOutcome(const Notification& n, schema::Channel channel, DeliveryState state, int attempts,
                                      std::string_view error, std::int64_t now_ms) {
    if (pg_) return pg_->RecordOutcome(n, channel, state, attempts, error, now_ms);
    std::lock_guard lock(write_mutex_);
    store::StatementScope scope(upsert_delivery_);
    upsert_delivery_.Bind(1, n.event_id)
        .Bind(2, schema::ToString(channel))
        .Bind(3, n.user_id)
        .Bind(4, n.job_id)
        .Bind(5, ToString(state))
        .Bind(6, std::int64_t{attempts})
        .Bind(7, error.empty() ? std::string_view("") : error.substr(0, 1024))
        .Bind(8, now_ms);
    upsert_delivery_.Run();
}

bool NotificationStore::DeliverInApp(const Notification& n, int attempts, std::int64_t now_ms) {
    if (pg_) return pg_->DeliverInApp(n, attempts, now_ms);
    const std::string title = Title(n);
    const std::string body = TextBody(n, {});
    std::lock_guard lock(write_mutex_);
    store::Transaction tx(*writer_);
    bool inserted = false;
    {
        store::StatementScope scope(insert_inapp_);
        insert_inapp_.Bind(1, n.user_id)
            .Bind(2, n.event_id)
            .Bind(3, n.job_id)
            .Bind(4, n.event_type)
            .Bind(5, ToString(n.outcome))
            .Bind(6, title)
            .Bind(7, body)
            .Bind(8, n.occurred_at)
            .Bind(9, now_ms);
        insert_inapp_.Run();
        inserted = writer_->Changes() == 1;
    }
    if (inserted) {
        store::StatementScope scope(trim_inapp_);
        trim_inapp_.Bind(1, n.user_id).Bind(2, static_cast<std::int64_t>(settings_.inapp_max_per_user));
        trim_inapp_.Run();
    }
    {
        store::StatementScope scope(upsert_delivery_);
        upsert_delivery_.Bind(1, n.event_id)
            .Bind(2, schema::ToString(schema::Channel::kInApp))
            .Bind(3, n.user_id)
            .Bind(4, n.job_id)
            .Bind(5, ToString(DeliveryState::kSent))
            .Bind(6, std::int64_t{attempts})
            .Bind(7, std::string_view(""))
            .Bind(8, now_ms);
        upsert_delivery_.Run();
    }
    tx.Commit();
    return inserted;
}

void NotificationStore::MarkReceipt(std::string_view event_id, schema::Channel channel) {
    if (pg_) return pg_->MarkReceipt(event_id, channel);
    std::lock_guard lock(write_mutex_);
    store::StatementScope scope(mark_receipt_);
    mark_receipt_.Bind(1, event_id).Bind(2, schema::ToString(channel));
    mark_receipt_.Run();
}

InAppNotification NotificationStore::ReadRow(const store::Statement& s) const {
    InAppNotification row;
    row.id = s.Int(0);
    row.user_id = s.Text(1);
    row.event_id = s.Text(2);
    row.job_id = s.Text(3);
    row.event_type = s.Text(4);
    row.outcome = s.Text(5);
    row.title = s.Text(6);
    row.body = s.Text(7);
    row.occurred_at = s.Text(8);
    row.created_ms = s.Int(9);
    if (!s.IsNull(10)) row.read_ms = s.Int(10);
    return row;
}

InAppPage NotificationStore::List(std::string_view user_id, bool unread_only, std::size_t limit,
                                  std::optional<std::int64_t> cursor) {
    if (pg_) return pg_->List(user_id, unread_only, limit, cursor);
    InAppPage page;
    std::lock_guard lock(read_mutex_);
    store::Statement& statement = unread_only ? list_unread_ : list_all_;
    store::StatementScope scope(statement);
    // One row more than asked tells whether another page exists.
    statement.Bind(1, user_id)
        .Bind(2, cursor.value_or(std::numeric_limits<std::int64_t>::max()))
        .Bind(3, static_cast<std::int64_t>(limit + 1));
    while (statement.Step()) {
        if (page.items.size() == limit) {
            page.next_cursor = page.items.back().id;
            break;
        }
        page.items.push_back(ReadRow(statement));
    }
    return page;
}

std::optional<InAppNotification> NotificationStore::MarkRead(std::string_view user_id, std::int64_t id,
                                                             std::int64_t now_ms) {
    if (pg_) return pg_->MarkRead(user_id, id, now_ms);
    {
        std::lock_guard lock(write_mutex_);
        store::StatementScope scope(mark_read_);
        mark_read_.Bind(1, user_id).Bind(2, id).Bind(3, now_ms);
        mark_read_.Run();
    }
    std::lock_guard lock(read_mutex_);
    store::StatementScope scope(get_one_);
    get_one_.Bind(1, user_id).Bind(2, id);
    if (!get_one_.Step()) return std::nullopt;
    return ReadRow(get_one_);
}

std::int64_t NotificationStore::MarkAllRead(std::string_view user_id, std::int64_t now_ms) {
    if (pg_) return pg_->MarkAllRead(user_id, now_ms);
    std::lock_guard lock(write_mutex_);
    store::StatementScope scope(mark_all_read_);
    mark_all_read_.Bind(1, user_id).Bind(2, now_ms);
    mark_all_read_.Run();
    return writer_->Changes();
}

std::int64_t NotificationStore::UnreadCount(std::string_view user_id) {
    if (pg_) return pg_->UnreadCount(user_id);
    std::lock_guard lock(read_mutex_);
    store::StatementScope scope(unread_count_);
    unread_count_.Bind(1, user_id);
    return unread_count_.Step() ? unread_count_.Int(0) : 0;
}

PurgeCounts NotificationStore::Purge(std::int64_t now_ms) {
    if (pg_) return pg_->Purge(now_ms);
    PurgeCounts counts;
    // In chunks, so the delivery workers never wait long for the writer.
    constexpr std::int64_t kChunk = 5000;
    auto purge = [&](store::Statement& statement, std::int64_t cutoff, std::int64_t& total) {
        while (true) {
            std::lock_guard lock(write_mutex_);
            store::StatementScope scope(statement);
            statement.Bind(1, cutoff).Bind(2, kChunk);
            statement.Run();
            const std::int64_t changed = writer_->Changes();
            total += changed;
            if (changed < kChunk) break;
        }
    };
    purge(purge_inapp_, now_ms - settings_.inapp_retention_ms, counts.inapp);
    purge(purge_deliveries_, now_ms - settings_.dedupe_retention_ms, counts.deliveries);
    return counts;
}

bool NotificationStore::Ready(std::string& detail) {
    if (pg_) return pg_->Ready(detail);
    detail = "open " + settings_.path;
    return true;
}

}  // namespace cosmic::notification
