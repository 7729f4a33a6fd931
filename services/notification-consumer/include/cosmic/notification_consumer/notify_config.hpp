#pragma once
/// The notification-consumer's configuration keys (declared in one place, listed by --help) and
/// the typed settings built from them at startup (DESIGN.md §8).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cosmic/service/config.hpp"

namespace cosmic::notification {

inline constexpr std::int64_t kDefaultHttpPort = 8083;
inline constexpr std::string_view kConsumerGroup = "notifications-consumer-group";

/// How the SMTP client uses TLS on an smtp:// URL (smtps:// is always TLS from the first byte).
enum class StartTls { kOff, kOpportunistic, kRequired };

struct SmtpSettings {
    std::string url;  ///< smtp://host:port or smtps://host:port; empty disables email
    std::string from;
    std::string username;
    std::string password;
    StartTls starttls = StartTls::kOpportunistic;
    std::string ca_file;  ///< empty: the system's CA bundle
    std::chrono::milliseconds timeout{10000};
};

struct WebhookSettings {
    std::chrono::milliseconds timeout{5000};
    std::chrono::milliseconds connect_timeout{2000};
};

struct DeliverySettings {
    std::size_t workers = 8;            ///< delivery threads = the bound of open connections per channel
    std::size_t max_in_flight = 10000;  ///< notifications being delivered at once (memory bound)
    int max_attempts = 5;               ///< per channel, the first attempt included
    std::chrono::milliseconds backoff_base{500};
    std::chrono::milliseconds backoff_max{30000};
    std::chrono::milliseconds hold{1000};  ///< how long the consumer waits on a batch before re-checking
    std::string link_base_url;             ///< "https://ui.example.com/jobs/" + job_id in messages
};

struct StoreSettings {
    std::string path;  ///< SQLite file (when database_url is not PostgreSQL)
    /// postgresql://… : every replica shares the in-app store and the delivery records there.
    std::string database_url;
    std::size_t pool_size = 4;
    std::chrono::milliseconds retry_deadline{std::chrono::seconds(30)};
    bool durable = true;
    std::size_t inapp_max_per_user = 1000;
    std::int64_t inapp_retention_ms = 90LL * 24 * 3600 * 1000;
    std::int64_t dedupe_retention_ms = 30LL * 24 * 3600 * 1000;
    std::chrono::milliseconds purge_interval{std::chrono::hours(1)};
};

struct NotifySettings {
    std::string users_file;
    std::chrono::milliseconds users_reload_interval{2000};
    std::size_t users_max = 100000;
    SmtpSettings smtp;
    WebhookSettings webhook;
    DeliverySettings delivery;
    StoreSettings store;
    std::size_t batch_max_records = 500;
    std::chrono::milliseconds batch_max_wait{20};
    std::size_t api_default_limit = 50;
    std::size_t api_max_limit = 200;
    std::size_t websocket_max_per_user = 8;
};

/// Declares the service's keys, its HTTP port (8083) and its consumer group.
void DeclareNotifyConfig(service::ConfigSchema& schema);

/// Reads the declared keys. Throws service::ConfigError naming the key for values that only make
/// sense together, an SMTP URL of another scheme or an unsupported database URL.
NotifySettings LoadNotifySettings(const service::Config& config);

}  // namespace cosmic::notification
