#pragma once
/// Where fired and resolved alerts go (DESIGN.md §7): an Alertmanager-format webhook (version
/// "4", one POST per transition, retried with backoff from a bounded queue on its own thread),
/// a `notifications` event per admin user and an `audit-trail` event (action ALERT) per
/// transition. Only the leader calls them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/health_monitor/alert.hpp"
#include "cosmic/health_monitor/health_config.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/service/component.hpp"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace cosmic::kafka {
class Producer;
}

namespace cosmic::health {

/// The webhook body for one transition: Alertmanager's webhook JSON (version "4"), one alert,
/// groupKey over its labels, endsAt "0001-01-01T00:00:00Z" while firing.
std::string AlertmanagerPayload(const AlertTransition& transition, const AlertSettings& settings);

/// The `notifications` event for `user_id` and the `audit-trail` event (action ALERT,
/// resource_id = the alert's component, group or topic) of one transition.
schema::Event AlertNotificationEvent(const AlertTransition& transition, const std::string& user_id);
schema::Event AlertAuditEvent(const AlertTransition& transition);

/// Posts webhook bodies in order from a bounded queue. 2xx is delivered; 5xx, 429 and network
/// errors are retried (exponential backoff with jitter, webhook.max_attempts); other 4xx are
/// given up at once. A full queue drops its oldest entry. Every outcome is counted in
/// cosmic_alert_notifications_total{channel="webhook"}.
class WebhookSender final : public service::Component {
  public:
    WebhookSender(WebhookSettings settings, prometheus::Registry& registry);
    ~WebhookSender() override;

    std::string_view Name() const override { return "alert-webhook"; }
    void Start() override;
    /// Keeps delivering until the queue is empty or the deadline passes, then stops.
    void Stop(std::chrono::steady_clock::time_point deadline) override;

    /// Queues a body; never blocks. No-op when no URL is configured.
    void Enqueue(std::string body);
    std::size_t Pending() const;
    bool Enabled() const { return !settings_.url.empty(); }

  private:
    enum class PostResult { kDelivered, kRetry, kGiveUp };
    PostResult Post(const std::string& body, std::string& detail);
    void Run();

    WebhookSettings settings_;
    prometheus::Counter* sent_;
    prometheus::Counter* failed_;
    prometheus::Counter* dropped_;
    prometheus::Counter* retried_;
    prometheus::Gauge* queued_;

    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> queue_;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point drain_deadline_{};
    std::thread thread_;
};

/// Publishes the Kafka side of a transition with the service's producer; delivery failures are
/// counted (cosmic_alert_notifications_total{channel="notifications|audit"}) and logged,
/// rate-limited.
class AlertPublisher {
  public:
    AlertPublisher(kafka::Producer& producer, std::vector<std::string> users, prometheus::Registry& registry);
    void Publish(const AlertTransition& transition);

  private:
    kafka::Producer& producer_;
    std::vector<std::string> users_;
    prometheus::Counter* notifications_sent_;
    prometheus::Counter* notifications_failed_;
    prometheus::Counter* audit_sent_;
    prometheus::Counter* audit_failed_;
};

}  // namespace cosmic::health
