#pragma once
/// The service's own metrics (the runner, producer and HTTP server add theirs). Every series is
/// created up front and kept as a reference: nothing is looked up per message.
///
///   cosmic_notification_deliveries_total{channel,outcome}   outcome = sent | failed | skipped
///   cosmic_notification_delivery_latency_seconds{channel}     event occurred_at -> delivered (sent only)
///   cosmic_notification_retries_total{channel}                delivery attempts scheduled again
///   cosmic_notification_queue_depth                           channel deliveries waiting (ready + backing off)
///   cosmic_notification_in_flight                             notifications not yet final
///   cosmic_notification_events_total{kind}                    terminal | skipped (other lifecycle types) |
///                                                             duplicate (redelivered, already final) |
///                                                             unknown_user | no_user
///   cosmic_notification_directory_reloads_total{result}       ok | error
///   cosmic_notification_directory_users                       users in the directory
///   cosmic_notification_receipt_errors_total                  receipts that Kafka did not take (retried)

#include <array>
#include <atomic>
#include <cstdint>

#include "cosmic/notification_consumer/notification_store.hpp"
#include "cosmic/schema/event.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace cosmic::notification {

class NotifyMetrics {
  public:
    explicit NotifyMetrics(prometheus::Registry& registry);

    void Delivered(schema::Channel channel, DeliveryState state, double latency_seconds);
    void Retry(schema::Channel channel);
    void Terminal();
    void Skipped(std::uint64_t count);
    void Duplicate();
    void UnknownUser();
    void NoUser();
    void Reloaded(bool ok, std::size_t users);
    void ReceiptError();
    void SetQueueDepth(std::size_t depth);
    void SetInFlight(std::size_t count);

    /// Totals for the heartbeat.
    std::uint64_t Total(DeliveryState state) const;
    std::uint64_t UnknownUsers() const { return unknown_users_.load(std::memory_order_relaxed); }
    std::uint64_t SkippedEvents() const { return skipped_events_.load(std::memory_order_relaxed); }
    std::uint64_t RetriesTotal() const { return retries_.load(std::memory_order_relaxed); }

  private:
    std::array<std::array<prometheus::Counter*, 3>, 4> deliveries_{};
    std::array<prometheus::Histogram*, 4> latency_{};
    std::array<prometheus::Counter*, 4> retries_by_channel_{};
    prometheus::Gauge* queue_depth_ = nullptr;
    prometheus::Gauge* in_flight_ = nullptr;
    prometheus::Counter* terminal_ = nullptr;
    prometheus::Counter* skipped_ = nullptr;
    prometheus::Counter* duplicate_ = nullptr;
    prometheus::Counter* unknown_user_ = nullptr;
    prometheus::Counter* no_user_ = nullptr;
    prometheus::Counter* reload_ok_ = nullptr;
    prometheus::Counter* reload_error_ = nullptr;
    prometheus::Gauge* directory_users_ = nullptr;
    prometheus::Counter* receipt_errors_ = nullptr;

    std::array<std::atomic<std::uint64_t>, 3> totals_{};
    std::atomic<std::uint64_t> unknown_users_{0};
    std::atomic<std::uint64_t> skipped_events_{0};
    std::atomic<std::uint64_t> retries_{0};
};

}  // namespace cosmic::notification
