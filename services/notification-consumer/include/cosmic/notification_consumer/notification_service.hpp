#pragma once
/// notification-consumer: consumes job-lifecycle (group notifications-consumer-group) and tells
/// users about their finished jobs by email, in-app, WebSocket and webhook (README.md).
///
/// Assembled by the service kit: the store, the delivery engine (its own component), the batch
/// consumer, the API and WebSocket, two timers (user directory reload, retention) and the
/// heartbeat.
///
/// The consumer hands each batch's terminal events to the engine and waits up to delivery.hold_ms
/// for every channel of every event to be final; only then does it return kOk, so an offset is
/// stored only after the outcome of its event is durable. A batch still delivering (a mail server
/// that is down, say) returns kRetry: its partitions stay paused while the engine keeps retrying,
/// other partitions keep flowing, and the next call finds the finished channels in the store
/// instead of delivering them again.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cosmic/kafka/runner.hpp"
#include "cosmic/notification_consumer/delivery_engine.hpp"
#include "cosmic/notification_consumer/notification_api.hpp"
#include "cosmic/notification_consumer/notification_store.hpp"
#include "cosmic/notification_consumer/notify_config.hpp"
#include "cosmic/notification_consumer/notify_metrics.hpp"
#include "cosmic/notification_consumer/user_directory.hpp"
#include "cosmic/notification_consumer/websocket_hub.hpp"
#include "cosmic/service/kit.hpp"

namespace cosmic::notification {

class NotificationService {
  public:
    static void DeclareConfig(service::ConfigSchema& schema) { DeclareNotifyConfig(schema); }

    explicit NotificationService(service::Kit& kit);

    /// The consumer's batch handler (public for tests and the benchmark).
    kafka::Outcome HandleBatch(std::span<const kafka::Record> records);

    NotificationStore& Store() { return store_; }
    DeliveryEngine& Engine() { return engine_; }
    DirectoryWatcher& Users() { return directory_; }
    WebSocketHub& Hub() { return hub_; }
    NotifyMetrics& Metrics() { return metrics_; }
    const NotifySettings& Settings() const { return settings_; }

  private:
    struct DeadLetter {
        enum class State { kPending, kAcked, kFailed };
        State state = State::kPending;
    };
    /// Sends an invalid record to job-lifecycle.dlq once; true when Kafka acknowledged it.
    bool SendDeadLetter(const kafka::Record& record);
    bool WaitDeadLetters(std::chrono::steady_clock::time_point deadline);
    schema::HealthStatus WriteHeartbeat(schema::JsonWriter& fields);

    service::Kit& kit_;
    NotifySettings settings_;
    std::shared_ptr<const service::Authenticator> auth_;
    NotifyMetrics metrics_;
    DirectoryWatcher directory_;
    NotificationStore& store_;
    WebSocketHub hub_;
    NotificationApi api_;
    DeliveryEngine& engine_;
    std::string group_id_;

    // Consumer thread only (dead_letters_ entries are updated by the producer under dlq_mutex_).
    std::vector<DeliveryEngine::Ticket> tickets_;
    std::mutex dlq_mutex_;
    std::condition_variable dlq_cv_;
    std::map<std::pair<std::int32_t, std::int64_t>, std::shared_ptr<DeadLetter>> dead_letters_;
};

}  // namespace cosmic::notification
