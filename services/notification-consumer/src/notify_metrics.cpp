#include "cosmic/notification_consumer/notify_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace cosmic::notification {

namespace {
std::size_t Index(schema::Channel channel) { return static_cast<std::size_t>(channel); }
}  // namespace

NotifyMetrics::NotifyMetrics(prometheus::Registry& registry) {
    auto& deliveries = prometheus::BuildCounter()
                           .Name("cosmic_notification_deliveries_total")
                           .Help("Channel deliveries by final outcome (sent, failed after retries, skipped).")
                           .Register(registry);
    auto& latency = prometheus::BuildHistogram()
                        .Name("cosmic_notification_delivery_latency_seconds")
                        .Help("From the job event's occurred_at to the channel's successful delivery.")
                        .Register(registry);
    auto& retries = prometheus::BuildCounter()
                        .Name("cosmic_notification_retries_total")
                        .Help("Delivery attempts that failed and were scheduled again.")
                        .Register(registry);
    const prometheus::Histogram::BucketBoundaries buckets{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                                          2.5,   5,    10,    30,   60,  120,  300, 900};
    for (const schema::Channel channel :
         {schema::Channel::kEmail, schema::Channel::kInApp, schema::Channel::kWebsocket, schema::Channel::kWebhook}) {
        const std::string name(schema::ToString(channel));
        for (const DeliveryState state : {DeliveryState::kSent, DeliveryState::kFailed, DeliveryState::kSkipped}) {
            deliveries_[Index(channel)][static_cast<std::size_t>(state)] =
                &deliveries.Add({{"channel", name}, {"outcome", std::string(ToString(state))}});
        }
        latency_[Index(channel)] = &latency.Add({{"channel", name}}, buckets);
        retries_by_channel_[Index(channel)] = &retries.Add({{"channel", name}});
    }
    queue_depth_ = &prometheus::BuildGauge()
                        .Name("cosmic_notification_queue_depth")
                        .Help("Channel deliveries waiting for a delivery thread (ready or backing off).")
                        .Register(registry)
                        .Add({});
    in_flight_ = &prometheus::BuildGauge()
                      .Name("cosmic_notification_in_flight")
                      .Help("Notifications whose channels are not all final yet.")
                      .Register(registry)
                      .Add({});
    auto& events = prometheus::BuildCounter()
                       .Name("cosmic_notification_events_total")
                       .Help("job-lifecycle events by what the service did with them.")
                       .Register(registry);
    terminal_ = &events.Add({{"kind", "terminal"}});
    skipped_ = &events.Add({{"kind", "skipped"}});
    duplicate_ = &events.Add({{"kind", "duplicate"}});
    unknown_user_ = &events.Add({{"kind", "unknown_user"}});
    no_user_ = &events.Add({{"kind", "no_user"}});
    auto& reloads = prometheus::BuildCounter()
                        .Name("cosmic_notification_directory_reloads_total")
                        .Help("User directory loads by result; a failed reload keeps the previous directory.")
                        .Register(registry);
    reload_ok_ = &reloads.Add({{"result", "ok"}});
    reload_error_ = &reloads.Add({{"result", "error"}});
    directory_users_ = &prometheus::BuildGauge()
                            .Name("cosmic_notification_directory_users")
                            .Help("Users in the current user directory.")
                            .Register(registry)
                            .Add({});
    receipt_errors_ = &prometheus::BuildCounter()
                           .Name("cosmic_notification_receipt_errors_total")
                           .Help("notification.sent/failed records Kafka did not acknowledge (retried).")
                           .Register(registry)
                           .Add({});
}

void NotifyMetrics::Delivered(schema::Channel channel, DeliveryState state, double latency_seconds) {
    deliveries_[Index(channel)][static_cast<std::size_t>(state)]->Increment();
    totals_[static_cast<std::size_t>(state)].fetch_add(1, std::memory_order_relaxed);
    if (state == DeliveryState::kSent && latency_seconds >= 0) latency_[Index(channel)]->Observe(latency_seconds);
}

void NotifyMetrics::Retry(schema::Channel channel) {
    retries_by_channel_[Index(channel)]->Increment();
    retries_.fetch_add(1, std::memory_order_relaxed);
}

void NotifyMetrics::Terminal() { terminal_->Increment(); }
void NotifyMetrics::Skipped(std::uint64_t count) {
    if (count == 0) return;
    skipped_->Increment(static_cast<double>(count));
    skipped_events_.fetch_add(count, std::memory_order_relaxed);
}
void NotifyMetrics::Duplicate() { duplicate_->Increment(); }
void NotifyMetrics::UnknownUser() {
    unknown_user_->Increment();
    unknown_users_.fetch_add(1, std::memory_order_relaxed);
}
void NotifyMetrics::NoUser() { no_user_->Increment(); }
void NotifyMetrics::Reloaded(bool ok, std::size_t users) {
    (ok ? reload_ok_ : reload_error_)->Increment();
    if (ok) directory_users_->Set(static_cast<double>(users));
}
void NotifyMetrics::ReceiptError() { receipt_errors_->Increment(); }
void NotifyMetrics::SetQueueDepth(std::size_t depth) { queue_depth_->Set(static_cast<double>(depth)); }
void NotifyMetrics::SetInFlight(std::size_t count) { in_flight_->Set(static_cast<double>(count)); }

std::uint64_t NotifyMetrics::Total(DeliveryState state) const {
    return totals_[static_cast<std::size_t>(state)].load(std::memory_order_relaxed);
}

}  // namespace cosmic::notification
