#include "cosmic/notification_consumer/notify_config.hpp"

#include <stdexcept>

#include "cosmic/store/database_url.hpp"

namespace cosmic::notification {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {
constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;
}

void DeclareNotifyConfig(service::ConfigSchema& schema) {
    schema.SetDefault("http.port", kDefaultHttpPort);
    schema.SetDefault("consumer.group_id", std::string(kConsumerGroup));
    // A batch is re-checked (not failed) while its deliveries run, so the runner must never run
    // out of attempts: the delivery budget below decides when a channel gives up.
    schema.SetDefault("consumer.retry_max_attempts", std::int64_t{1'000'000});

    schema.String("users.file", "",
                  "User directory JSON ({\"users\":[{\"user_id\",\"email\",\"webhook_url\",\"webhook_secret\","
                  "\"channels\",\"quiet\"}]}); reloaded on change and on SIGHUP. Empty: every user is unknown "
                  "(in-app only).",
                  "COSMIC_USERS_FILE");
    schema.Duration("users.reload_interval_ms", seconds(2), milliseconds(100), hours(1),
                    "How often the user directory file is checked for changes.");
    schema.Int("users.max", 100000, 1, 10'000'000, "Most users the directory holds; a larger file is rejected.");

    schema.String("smtp.url", "",
                  "SMTP server: smtp://host:port (STARTTLS per smtp.starttls) or smtps://host:port (implicit "
                  "TLS). Empty: email deliveries fail as not configured.",
                  "COSMIC_SMTP_URL");
    schema.String("smtp.from", "cosmic-horizons@localhost", "From address of notification mail.", "COSMIC_SMTP_FROM");
    schema.Secret("smtp.username", "SMTP AUTH user name (empty: no authentication).", "COSMIC_SMTP_USERNAME");
    schema.Secret("smtp.password", "SMTP AUTH password.", "COSMIC_SMTP_PASSWORD");
    schema.Enum("smtp.starttls", "opportunistic", {"off", "opportunistic", "required"},
                "TLS on smtp:// URLs: off, opportunistic (when the server offers STARTTLS), required.");
    schema.String("smtp.ca_file", "", "CA bundle for SMTP TLS; empty uses the system's.", "COSMIC_SMTP_CA_FILE");
    schema.Duration("smtp.timeout_ms", seconds(10), milliseconds(100), seconds(300),
                    "Longest one SMTP transaction (connect to QUIT) may take.");

    schema.Duration("webhook.timeout_ms", seconds(5), milliseconds(100), seconds(120),
                    "Longest one webhook POST may take, response included.");
    schema.Duration("webhook.connect_timeout_ms", seconds(2), milliseconds(50), seconds(60),
                    "Longest a webhook connection may take to open.");

    schema.Int("delivery.workers", 8, 1, 256,
               "Delivery threads; each keeps at most one SMTP and two webhook connections open.");
    schema.Int("delivery.max_in_flight", 10000, 1, 1'000'000,
               "Notifications being delivered at once; when full the consumer waits (its partitions pause).");
    schema.Int("delivery.max_attempts", 5, 1, 100, "Attempts per channel before a delivery is recorded as failed.");
    schema.Duration("delivery.backoff_base_ms", milliseconds(500), milliseconds(1), hours(1),
                    "First retry waits up to this long (full jitter), doubling per attempt.");
    schema.Duration("delivery.backoff_max_ms", seconds(30), milliseconds(1), hours(1), "Cap of one retry wait.");
    schema.Duration("delivery.hold_ms", seconds(1), milliseconds(10), seconds(60),
                    "How long the consumer waits for a batch's deliveries before it re-checks them later (its "
                    "partitions stay paused; others flow).");
    schema.String("delivery.link_base_url", "",
                  "When set, messages link to <this><job_id> (e.g. https://cosmic.example.com/jobs/).",
                  "COSMIC_LINK_BASE_URL");

    schema.Int("consumer.batch_max_records", 500, 1, 10000, "Records handed to the delivery engine per batch.");
    schema.Duration("consumer.batch_max_wait_ms", milliseconds(20), milliseconds(1), seconds(10),
                    "A batch closes at the latest this long after its first record.");

    schema.String("database.url", "",
                  "Store: sqlite:///path/notifications.db (empty means ${data_dir}/notifications.db) or "
                  "postgresql://user:password@host:5432/db, shared by every replica (docs/postgresql.md).",
                  "COSMIC_DATABASE_URL");
    schema.Int("database.pool_size", 4, 1, 1000, "PostgreSQL: connections this process opens at most.");
    schema.Duration("database.retry_deadline_ms", seconds(30), milliseconds(0), milliseconds(600'000),
                    "PostgreSQL: how long a store call retries transient errors (server restart, deadlock).");
    schema.Bool("store.durable", true,
                "true: SQLite synchronous=FULL (an outcome survives power loss); false: NORMAL (survives a process "
                "crash; on power loss a delivery may be repeated).");
    schema.Int("inapp.max_per_user", 1000, 1, 1'000'000, "In-app notifications kept per user (oldest dropped).");
    schema.Int("inapp.retention_days", 90, 1, 36500, "In-app notifications older than this are purged.");
    schema.Int("dedupe.retention_days", 30, 1, 36500,
               "Delivery records (the redelivery guard) are kept this long; keep it >= the topic's retention.");
    schema.Duration("store.purge_interval_ms", hours(1), seconds(1), hours(24 * 7), "How often retention runs.");

    schema.Int("api.default_limit", 50, 1, 1000, "Notifications per page when the request has no limit.");
    schema.Int("api.max_limit", 200, 1, 1000, "Largest page; bigger limits are capped to it.");
    schema.Int("websocket.max_per_user", 8, 1, 64, "Open /ws/notifications connections per user.");
}

NotifySettings LoadNotifySettings(const service::Config& config) {
    NotifySettings s;
    s.users_file = config.GetString("users.file");
    s.users_reload_interval = config.GetDuration("users.reload_interval_ms");
    s.users_max = static_cast<std::size_t>(config.GetInt("users.max"));

    s.smtp.url = config.GetString("smtp.url");
    if (!s.smtp.url.empty() && !s.smtp.url.starts_with("smtp://") && !s.smtp.url.starts_with("smtps://")) {
        throw service::ConfigError("smtp.url", config.SourceOf("smtp.url"),
                                   "must start with smtp:// or smtps:// (e.g. smtp://127.0.0.1:2525)");
    }
    s.smtp.from = config.GetString("smtp.from");
    if (s.smtp.from.empty() || s.smtp.from.find('@') == std::string::npos ||
        s.smtp.from.find_first_of("\r\n<> \t") != std::string::npos) {
        throw service::ConfigError("smtp.from", config.SourceOf("smtp.from"),
                                   "must be a plain address such as notifications@example.com");
    }
    s.smtp.username = config.GetString("smtp.username");
    s.smtp.password = config.GetString("smtp.password");
    const std::string starttls = config.GetString("smtp.starttls");
    s.smtp.starttls = starttls == "off"        ? StartTls::kOff
                      : starttls == "required" ? StartTls::kRequired
                                               : StartTls::kOpportunistic;
    s.smtp.ca_file = config.GetString("smtp.ca_file");
    s.smtp.timeout = config.GetDuration("smtp.timeout_ms");

    s.webhook.timeout = config.GetDuration("webhook.timeout_ms");
    s.webhook.connect_timeout = config.GetDuration("webhook.connect_timeout_ms");

    s.delivery.workers = static_cast<std::size_t>(config.GetInt("delivery.workers"));
    s.delivery.max_in_flight = static_cast<std::size_t>(config.GetInt("delivery.max_in_flight"));
    s.delivery.max_attempts = static_cast<int>(config.GetInt("delivery.max_attempts"));
    s.delivery.backoff_base = config.GetDuration("delivery.backoff_base_ms");
    s.delivery.backoff_max = config.GetDuration("delivery.backoff_max_ms");
    if (s.delivery.backoff_max < s.delivery.backoff_base) {
        throw service::ConfigError("delivery.backoff_max_ms", config.SourceOf("delivery.backoff_max_ms"),
                                   "must not be below delivery.backoff_base_ms");
    }
    s.delivery.hold = config.GetDuration("delivery.hold_ms");
    if (s.delivery.hold >= config.GetDuration("shutdown.deadline_ms") &&
        config.GetDuration("shutdown.deadline_ms").count() > 0) {
        throw service::ConfigError("delivery.hold_ms", config.SourceOf("delivery.hold_ms"),
                                   "must be shorter than shutdown.deadline_ms (the consumer waits this long)");
    }
    s.delivery.link_base_url = config.GetString("delivery.link_base_url");

    s.batch_max_records = static_cast<std::size_t>(config.GetInt("consumer.batch_max_records"));
    s.batch_max_wait = config.GetDuration("consumer.batch_max_wait_ms");

    try {
        const std::string url = config.GetString("database.url");
        if (!url.empty() && store::ParseDatabaseUrl(url).backend == store::Backend::kPostgres) {
            s.store.database_url = url;
        } else {
            s.store.path = store::SqlitePathFromUrl(url, config.GetString("data_dir"), "notifications.db");
        }
    } catch (const std::invalid_argument& error) {
        throw service::ConfigError("database.url", config.SourceOf("database.url"), error.what());
    }
    s.store.durable = config.GetBool("store.durable");
    s.store.pool_size = static_cast<std::size_t>(config.GetInt("database.pool_size"));
    s.store.retry_deadline = config.GetDuration("database.retry_deadline_ms");
    s.store.inapp_max_per_user = static_cast<std::size_t>(config.GetInt("inapp.max_per_user"));
    s.store.inapp_retention_ms = config.GetInt("inapp.retention_days") * kDayMs;
    s.store.dedupe_retention_ms = config.GetInt("dedupe.retention_days") * kDayMs;
    s.store.purge_interval = config.GetDuration("store.purge_interval_ms");

    s.api_default_limit = static_cast<std::size_t>(config.GetInt("api.default_limit"));
    s.api_max_limit = static_cast<std::size_t>(config.GetInt("api.max_limit"));
    if (s.api_default_limit > s.api_max_limit) {
        throw service::ConfigError("api.default_limit", config.SourceOf("api.default_limit"),
                                   "must not exceed api.max_limit");
    }
    s.websocket_max_per_user = static_cast<std::size_t>(config.GetInt("websocket.max_per_user"));
    return s;
}

}  // namespace cosmic::notification
