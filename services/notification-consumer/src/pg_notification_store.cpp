#include "cosmic/notification_consumer/pg_notification_store.hpp"

#include <array>
#include <limits>

namespace cosmic::notification {
namespace {

using store::pg::Connection;
using store::pg::Params;
using store::pg::Result;
using store::pg::Statement;

constexpr std::string_view kV1 = R"sql(
CREATE TABLE deliveries (
    event_id   text    NOT NULL,
    channel    text    NOT NULL,
    user_id    text    NOT NULL,
    job_id     text    NOT NULL,
    state      text    NOT NULL CHECK (state IN ('sent', 'failed', 'skipped')),
    attempts   integer NOT NULL,
    error      text    NOT NULL DEFAULT '',
    receipt    boolean NOT NULL DEFAULT false,
    updated_ms bigint  NOT NULL,
    PRIMARY KEY (event_id, channel)
);
CREATE INDEX deliveries_updated ON deliveries (updated_ms);
CREATE TABLE inapp (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id     text   NOT NULL,
    event_id    text   NOT NULL UNIQUE,
    job_id      text   NOT NULL,
    event_type  text   NOT NULL,
    outcome     text   NOT NULL,
    title       text   NOT NULL,
    body        text   NOT NULL,
    occurred_at text   NOT NULL,
    created_ms  bigint NOT NULL,
    read_ms     bigint
);
CREATE INDEX inapp_user ON inapp (user_id, id);
CREATE INDEX inapp_user_unread ON inapp (user_id, id) WHERE read_ms IS NULL;
CREATE INDEX inapp_created ON inapp (created_ms);
)sql";

constexpr std::array<store::pg::Migration, 1> kMigrations{{{1, "deliveries and in-app notifications", kV1}}};

const std::string kColumns =
    "id, user_id, event_id, job_id, event_type, outcome, title, body, occurred_at, created_ms, read_ms";

const Statement kUpsertDelivery{
    "notify_upsert_delivery",
    "INSERT INTO deliveries (event_id, channel, user_id, job_id, state, attempts, error, receipt, updated_ms) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8) ON CONFLICT (event_id, channel) DO UPDATE SET state = "
    "excluded.state, attempts = excluded.attempts, error = excluded.error, updated_ms = excluded.updated_ms"};
// The unique event_id makes a second replica's insert of the same event a no-op.
const Statement kInsertInApp{"notify_insert_inapp",
                             "INSERT INTO inapp (user_id, event_id, job_id, event_type, outcome, title, body, "
                             "occurred_at, created_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT "
                             "(event_id) DO NOTHING"};
const Statement kTrimInApp{"notify_trim_inapp",
                           "DELETE FROM inapp WHERE user_id = $1 AND id <= (SELECT id FROM inapp WHERE user_id = $1 "
                           "ORDER BY id DESC LIMIT 1 OFFSET $2)"};
const Statement kMarkReceipt{"notify_mark_receipt",
                             "UPDATE deliveries SET receipt = true WHERE event_id = $1 AND channel = $2"};
const Statement kMarkRead{"notify_mark_read",
                          "UPDATE inapp SET read_ms = $3 WHERE id = $2 AND user_id = $1 AND "
                          "read_ms IS NULL"};
const Statement kMarkAllRead{"notify_mark_all_read",
                             "UPDATE inapp SET read_ms = $2 WHERE user_id = $1 AND read_ms IS NULL"};
const Statement kPurgeInApp{"notify_purge_inapp",
                            "DELETE FROM inapp WHERE id IN (SELECT id FROM inapp WHERE created_ms < $1 LIMIT $2)"};
const Statement kPurgeDeliveries{"notify_purge_deliveries",
                                 "DELETE FROM deliveries WHERE (event_id, channel) IN (SELECT event_id, channel FROM "
                                 "deliveries WHERE updated_ms < $1 LIMIT $2)"};
const Statement kLookup{"notify_lookup",
                        "SELECT channel, state, receipt, attempts FROM deliveries WHERE event_id = $1"};
const Statement kListAll{"notify_list_all",
                         "SELECT " + kColumns + " FROM inapp WHERE user_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"};
const Statement kListUnread{"notify_list_unread",
                            "SELECT " + kColumns +
                                " FROM inapp WHERE user_id = $1 AND id < $2 AND read_ms IS NULL ORDER BY id DESC "
                                "LIMIT $3"};
const Statement kGetOne{"notify_get_one", "SELECT " + kColumns + " FROM inapp WHERE user_id = $1 AND id = $2"};
const Statement kUnreadCount{"notify_unread_count",
                             "SELECT count(*) FROM inapp WHERE user_id = $1 AND read_ms IS NULL"};

std::optional<DeliveryState> ParseState(std::string_view text) {
    if (text == "sent") return DeliveryState::kSent;
    if (text == "failed") return DeliveryState::kFailed;
    if (text == "skipped") return DeliveryState::kSkipped;
    return std::nullopt;
}

InAppNotification ReadRow(const Result& rows, int i) {
    InAppNotification row;
    row.id = rows.Int(i, 0);
    row.user_id = rows.Text(i, 1);
    row.event_id = rows.Text(i, 2);
    row.job_id = rows.Text(i, 3);
    row.event_type = rows.Text(i, 4);
    row.outcome = rows.Text(i, 5);
    row.title = rows.Text(i, 6);
    row.body = rows.Text(i, 7);
    row.occurred_at = rows.Text(i, 8);
    row.created_ms = rows.Int(i, 9);
    if (!rows.IsNull(i, 10)) row.read_ms = rows.Int(i, 10);
    return row;
}

Params DeliveryParams(const Notification& n, schema::Channel channel, DeliveryState state, int attempts,
                      std::string_view error, std::int64_t now_ms) {
    Params params;
    params.Add(n.event_id)
        .Add(schema::ToString(channel))
        .Add(n.user_id)
        .Add(n.job_id)
        .Add(ToString(state))
        .Add(attempts)
        .Add(error.substr(0, 1024))
        .Add(now_ms);
    return params;
}

}  // namespace

PgNotificationStore::PgNotificationStore(const StoreSettings& settings)
    : settings_(settings), description_(store::pg::RedactUrl(settings.database_url)) {
    store::pg::PoolOptions pool;
    pool.url = settings_.database_url;
    pool.size = settings_.pool_size;
    pool.on_connect = settings_.durable ? "SET synchronous_commit = on" : "SET synchronous_commit = off";
    pool_ = std::make_unique<store::pg::Pool>(pool);
    Transact([](Connection& db) { store::pg::Migrate(db, "notification", kMigrations); });
}

void PgNotificationStore::Transact(const std::function<void(Connection&)>& work) {
    store::pg::RetryOptions retry;
    retry.deadline = settings_.retry_deadline;
    store::pg::WithRetry(*pool_, work, retry);
}

EventRecords PgNotificationStore::Lookup(std::string_view event_id) {
    EventRecords records;
    Transact([&](Connection& db) {
        records = EventRecords{};
        const Result rows = db.Run(kLookup, Params().Add(event_id));
        for (int i = 0; i < rows.Rows(); ++i) {
            const auto channel = schema::ParseChannel(rows.Text(i, 0));
            const auto state = ParseState(rows.Text(i, 1));
            if (!channel || !state) continue;
            records[static_cast<std::size_t>(*channel)] =
                DeliveryRecord{*state, rows.Bool(i, 2), static_cast<int>(rows.Int(i, 3))};
        }
    });
    return records;
}

void PgNotificationStore::RecordOutcome(const Notification& n, schema::Channel channel, DeliveryState state,
                                        int attempts, std::string_view error, std::int64_t now_ms) {
    const Params params = DeliveryParams(n, channel, state, attempts, error, now_ms);
    Transact([&](Connection& db) { db.Run(kUpsertDelivery, params); });
}

bool PgNotificationStore::DeliverInApp(const Notification& n, int attempts, std::int64_t now_ms) {
    const std::string title = Title(n);
    const std::string body = TextBody(n, {});
    bool inserted = false;
    Transact([&](Connection& db) {
        store::pg::Transaction tx(db);
        inserted = db.Run(kInsertInApp, Params()
                                            .Add(n.user_id)
                                            .Add(n.event_id)
                                            .Add(n.job_id)
                                            .Add(n.event_type)
                                            .Add(ToString(n.outcome))
                                            .Add(title)
                                            .Add(body)
                                            .Add(n.occurred_at)
                                            .Add(now_ms))
                       .Affected() == 1;
        if (inserted) {
            db.Run(kTrimInApp, Params().Add(n.user_id).Add(static_cast<std::int64_t>(settings_.inapp_max_per_user)));
        }
        db.Run(kUpsertDelivery, DeliveryParams(n, schema::Channel::kInApp, DeliveryState::kSent, attempts, "", now_ms));
        tx.Commit();
    });
    return inserted;
}

void PgNotificationStore::MarkReceipt(std::string_view event_id, schema::Channel channel) {
    Transact([&](Connection& db) { db.Run(kMarkReceipt, Params().Add(event_id).Add(schema::ToString(channel))); });
}

InAppPage PgNotificationStore::List(std::string_view user_id, bool unread_only, std::size_t limit,
                                    std::optional<std::int64_t> cursor) {
    InAppPage page;
    Transact([&](Connection& db) {
        page = InAppPage{};
        // One row more than asked tells whether another page exists.
        const Result rows = db.Run(unread_only ? kListUnread : kListAll,
                                   Params()
                                       .Add(user_id)
                                       .Add(cursor.value_or(std::numeric_limits<std::int64_t>::max()))
                                       .Add(static_cast<std::int64_t>(limit + 1)));
        for (int i = 0; i < rows.Rows(); ++i) {
            if (page.items.size() == limit) {
                page.next_cursor = page.items.back().id;
                break;
            }
            page.items.push_back(ReadRow(rows, i));
        }
    });
    return page;
}

std::optional<InAppNotification> PgNotificationStore::MarkRead(std::string_view user_id, std::int64_t id,
                                                               std::int64_t now_ms) {
    std::optional<InAppNotification> out;
    Transact([&](Connection& db) {
        out.reset();
        db.Run(kMarkRead, Params().Add(user_id).Add(id).Add(now_ms));
        const Result rows = db.Run(kGetOne, Params().Add(user_id).Add(id));
        if (rows.Rows() > 0) out = ReadRow(rows, 0);
    });
    return out;
}

std::int64_t PgNotificationStore::MarkAllRead(std::string_view user_id, std::int64_t now_ms) {
    std::int64_t changed = 0;
    Transact([&](Connection& db) { changed = db.Run(kMarkAllRead, Params().Add(user_id).Add(now_ms)).Affected(); });
    return changed;
}

std::int64_t PgNotificationStore::UnreadCount(std::string_view user_id) {
    std::int64_t count = 0;
    Transact([&](Connection& db) { count = db.Run(kUnreadCount, Params().Add(user_id)).Int(0, 0); });
    return count;
}

PurgeCounts PgNotificationStore::Purge(std::int64_t now_ms) {
    PurgeCounts counts;
    constexpr std::int64_t kChunk = 5000;
    auto purge = [&](const Statement& statement, std::int64_t cutoff, std::int64_t& total) {
        for (;;) {
            std::int64_t changed = 0;
            Transact([&](Connection& db) { changed = db.Run(statement, Params().Add(cutoff).Add(kChunk)).Affected(); });
            total += changed;
            if (changed < kChunk) break;
        }
    };
    purge(kPurgeInApp, now_ms - settings_.inapp_retention_ms, counts.inapp);
    purge(kPurgeDeliveries, now_ms - settings_.dedupe_retention_ms, counts.deliveries);
    return counts;
}

bool PgNotificationStore::Ready(std::string& detail) {
    try {
        store::pg::Pool::Lease db = pool_->Acquire();
        db->Exec("SELECT 1");
        detail = "open " + description_;
        return true;
    } catch (const std::exception& error) {
        detail = error.what();
        return false;
    }
}

}  // namespace cosmic::notification
