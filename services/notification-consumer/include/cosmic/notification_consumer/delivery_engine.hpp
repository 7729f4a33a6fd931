#pragma once
/// Delivers notifications off the consumer thread: a bounded set of notifications in flight, a
/// queue of channel deliveries, a fixed pool of delivery threads (each with its own SMTP and
/// webhook connection: the bound on open connections), and per-channel retries with exponential
/// backoff and full jitter up to delivery.max_attempts.
///
/// A channel is final when its outcome is recorded in the store (sent, failed after its retries,
/// skipped) and its receipt (notification.sent / notification.failed on `notifications`, key
/// user_id, event_id = DeliveryId(source event, channel)) was acknowledged by Kafka. The consumer
/// stores an event's offset only when every channel of it is final (NotificationService), so:
///   - a crash loses nothing: a non-final event is consumed again after the restart;
///   - a redelivery sends nothing twice: Offer() looks the event up in the store first and only
///     does what is not final yet (a receipt that was not acknowledged is published again, with
///     the same event_id).
/// The one window left is a crash between a receiver taking a mail or webhook and the outcome
/// being recorded: that delivery is repeated with the same Message-ID / X-Cosmic-Delivery id, so
/// receivers can drop it.
///
/// On Stop, deliveries already running finish (cut off at the deadline), queued ones are dropped:
/// their events were not acknowledged and come back after the restart.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/retry.hpp"
#include "cosmic/notification_consumer/notification.hpp"
#include "cosmic/notification_consumer/notification_store.hpp"
#include "cosmic/notification_consumer/notify_config.hpp"
#include "cosmic/notification_consumer/notify_metrics.hpp"
#include "cosmic/notification_consumer/send_result.hpp"
#include "cosmic/notification_consumer/websocket_hub.hpp"
#include "cosmic/service/component.hpp"

namespace cosmic::notification {

struct EngineOptions {
    DeliverySettings delivery;
    SmtpSettings smtp;
    WebhookSettings webhook;
    std::string source = "notification-consumer";  ///< `source` of the receipts
};

class DeliveryEngine final : public service::Component {
  public:
    using Clock = std::chrono::steady_clock;
    struct Tracked;
    /// The consumer's handle on one notification in flight.
    using Ticket = std::shared_ptr<Tracked>;
    enum class OfferResult {
        kDone,     ///< every channel is already final (a redelivery): nothing to do
        kPending,  ///< being delivered; wait on the ticket
        kBusy,     ///< delivery.max_in_flight reached: offer it again later
    };

    /// `receipts` null: outcomes are recorded but not published (tests). `hub` null: WebSocket
    /// deliveries are skipped.
    DeliveryEngine(EngineOptions options, NotificationStore& store, kafka::Producer* receipts, WebSocketHub* hub,
                   NotifyMetrics& metrics, std::function<std::int64_t()> clock);
    ~DeliveryEngine() override;
    DeliveryEngine(const DeliveryEngine&) = delete;
    DeliveryEngine& operator=(const DeliveryEngine&) = delete;

    std::string_view Name() const override { return "delivery-engine"; }
    void Start() override;
    void Stop(Clock::time_point deadline) override;

    /// Hands a terminal event over (consumer thread). Unknown users get in-app only.
    OfferResult Offer(const schema::Event& event, JobOutcome outcome, const Directory& directory,
                      std::string_view traceparent, Ticket& ticket);
    /// True when every ticket is final before `deadline`.
    bool WaitDone(std::span<const Ticket> tickets, Clock::time_point deadline);

    /// Channel deliveries queued (ready or backing off).
    std::size_t QueueDepth() const;
    /// Notifications not final yet.
    std::size_t InFlight() const;

  private:
    enum class Stage : std::uint8_t { kDeliver, kRecord, kReceipt };
    struct Task {
        Ticket tracked;
        schema::Channel channel = schema::Channel::kInApp;
        Stage stage = Stage::kDeliver;
        int attempts = 0;        ///< delivery attempts made
        int stage_failures = 0;  ///< failed record / receipt attempts (their own backoff)
        DeliveryState state = DeliveryState::kSent;
        std::string error;
        Clock::time_point due{};
        std::uint64_t order = 0;
    };
    struct Later {
        bool operator()(const Task& a, const Task& b) const {
            return a.due != b.due ? a.due > b.due : a.order > b.order;
        }
    };
    struct Worker;

    void Run(Worker& worker);
    void Process(Worker& worker, Task task);
    SendResult Send(Worker& worker, const Task& task);
    void Record(Task task);
    void PublishReceipt(Task task);
    void Complete(const Task& task);
    /// Queues `task` again after a backoff of `failures` failed attempts.
    void Schedule(Task task, int failures);
    void UpdateGaugesLocked();

    EngineOptions options_;
    NotificationStore& store_;
    kafka::Producer* receipts_;
    WebSocketHub* hub_;
    NotifyMetrics& metrics_;
    std::function<std::int64_t()> clock_;

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;
    std::condition_variable done_cv_;
    std::deque<Task> ready_;
    std::priority_queue<Task, std::vector<Task>, Later> delayed_;
    std::unordered_map<std::string, Ticket, StringHash, std::equal_to<>> tracked_;
    kafka::Backoff backoff_;
    std::uint64_t next_order_ = 0;
    std::size_t active_ = 0;
    bool stopping_ = false;
    bool started_ = false;
    std::atomic<bool> abort_{false};
    std::vector<std::unique_ptr<Worker>> workers_;
};

}  // namespace cosmic::notification
