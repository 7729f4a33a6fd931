#include "cosmic/health_monitor/alert_delivery.hpp"

#include <curl/curl.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <random>

#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::health {
namespace {

constexpr const char* kZeroTime = "0001-01-01T00:00:00Z";
constexpr const char* kSource = "health-monitor";

void WriteMap(schema::JsonWriter& w, const std::map<std::string, std::string>& map) {
    w.BeginObject();
    for (const auto& [key, value] : map) w.Key(key).String(value);
    w.EndObject();
}

std::map<std::string, std::string> Annotations(const Alert& alert) {
    std::map<std::string, std::string> annotations{{"summary", alert.summary}, {"runbook_url", alert.runbook_url}};
    if (!alert.description.empty()) annotations["description"] = alert.description;
    return annotations;
}

/// Alertmanager's group key form: {}:{a="1", b="2"} (the route's matchers are empty: no route).
std::string GroupKey(const std::map<std::string, std::string>& labels) {
    std::string key = "{}:{";
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (name == "severity") continue;
        if (!first) key += ", ";
        first = false;
        key += name + "=\"" + value + "\"";
    }
    return key + "}";
}

/// The payload both Kafka events carry.
std::string AlertPayload(const AlertTransition& t) {
    const Alert& a = t.alert;
    std::string json;
    schema::JsonWriter w(json);
    w.BeginObject();
    w.Key("kind").String("alert");
    w.Key("state").String(t.firing ? "firing" : "resolved");
    w.Key("alert_id").String(a.id);
    w.Key("fingerprint").String(a.fingerprint);
    w.Key("alertname").String(a.name);
    w.Key("severity").String(ToString(a.severity));
    w.Key("summary").String(a.summary);
    w.Key("runbook_url").String(a.runbook_url);
    w.Key("labels");
    WriteMap(w, a.labels);
    w.Key("started_at").String(schema::FormatTimestamp(a.started_at_ms));
    if (!t.firing) w.Key("resolved_at").String(schema::FormatTimestamp(a.resolved_at_ms));
    w.EndObject();
    return json;
}

std::string CorrelationId(const Alert& alert) {
    // Fire and resolve of one occurrence share it.
    return alert.fingerprint + "-" + std::to_string(alert.started_at_ms);
}

prometheus::Counter& Outcome(prometheus::Registry& registry, const std::string& channel, const std::string& result) {
    return prometheus::BuildCounter()
        .Name("cosmic_alert_notifications_total")
        .Help("Alert transitions delivered by health-monitor, by channel (webhook, notifications, audit) and result.")
        .Register(registry)
        .Add({{"channel", channel}, {"result", result}});
}

std::size_t DiscardBody(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

std::string AlertmanagerPayload(const AlertTransition& transition, const AlertSettings& settings) {
    const Alert& alert = transition.alert;
    const std::map<std::string, std::string> annotations = Annotations(alert);
    std::map<std::string, std::string> group_labels = alert.labels;
    group_labels.erase("severity");
    const std::string status = transition.firing ? "firing" : "resolved";
    std::string json;
    schema::JsonWriter w(json);
    w.BeginObject();
    w.Key("version").String("4");
    w.Key("groupKey").String(GroupKey(alert.labels));
    w.Key("truncatedAlerts").Int(0);
    w.Key("status").String(status);
    w.Key("receiver").String(settings.receiver);
    w.Key("groupLabels");
    WriteMap(w, group_labels);
    w.Key("commonLabels");
    WriteMap(w, alert.labels);
    w.Key("commonAnnotations");
    WriteMap(w, annotations);
    w.Key("externalURL").String(settings.external_url);
    w.Key("alerts").BeginArray();
    w.BeginObject();
    w.Key("status").String(status);
    w.Key("labels");
    WriteMap(w, alert.labels);
    w.Key("annotations");
    WriteMap(w, annotations);
    w.Key("startsAt").String(schema::FormatTimestamp(alert.started_at_ms));
    w.Key("endsAt").String(transition.firing ? std::string(kZeroTime) : schema::FormatTimestamp(alert.resolved_at_ms));
    w.Key("generatorURL").String(settings.external_url + "/api/v1/alerts");
    w.Key("fingerprint").String(alert.fingerprint);
    w.EndObject();
    w.EndArray();
    w.EndObject();
    return json;
}

schema::Event AlertNotificationEvent(const AlertTransition& transition, const std::string& user_id) {
    schema::Event event = schema::NewEvent(schema::TopicId::kNotifications, "notification.sent", kSource);
    event.user_id = user_id;
    event.channel = schema::Channel::kInApp;
    event.correlation_id = CorrelationId(transition.alert);
    event.payload = AlertPayload(transition);
    return event;
}

schema::Event AlertAuditEvent(const AlertTransition& transition) {
    schema::Event event =
        schema::NewEvent(schema::TopicId::kAuditTrail, schema::AuditEventType(schema::AuditAction::kAlert), kSource);
    event.action = schema::AuditAction::kAlert;
    event.resource_id = transition.alert.resource_id;
    event.correlation_id = CorrelationId(transition.alert);
    event.payload = AlertPayload(transition);
    return event;
}

WebhookSender::WebhookSender(WebhookSettings settings, prometheus::Registry& registry)
    : settings_(std::move(settings)),
      sent_(&Outcome(registry, "webhook", "sent")),
      failed_(&Outcome(registry, "webhook", "failed")),
      dropped_(&Outcome(registry, "webhook", "dropped")),
      retried_(&Outcome(registry, "webhook", "retried")),
      queued_(&prometheus::BuildGauge()
                   .Name("cosmic_alert_webhook_queue")
                   .Help("Webhook notifications waiting for delivery (bounded by webhook.queue_max).")
                   .Register(registry)
                   .Add({})) {
    static std::once_flag curl_init;
    std::call_once(curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

WebhookSender::~WebhookSender() { Stop(std::chrono::steady_clock::now()); }

void WebhookSender::Start() {
    if (!Enabled() || thread_.joinable()) return;
    std::lock_guard lock(mutex_);
    stopping_ = false;
    thread_ = std::thread([this] { Run(); });
}

void WebhookSender::Stop(std::chrono::steady_clock::time_point deadline) {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        drain_deadline_ = deadline;
    }
    changed_.notify_all();
    if (thread_.joinable()) thread_.join();
    std::lock_guard lock(mutex_);
    if (!queue_.empty()) {
        spdlog::warn("alert webhook: {} notification(s) undelivered at shutdown", queue_.size());
        dropped_->Increment(static_cast<double>(queue_.size()));
        queue_.clear();
        queued_->Set(0);
    }
}

void WebhookSender::Enqueue(std::string body) {
    if (!Enabled()) return;
    {
        std::lock_guard lock(mutex_);
        if (queue_.size() >= settings_.queue_max) {
            queue_.pop_front();
            dropped_->Increment();
            static telemetry::RateLimiter limiter;
            std::uint64_t suppressed = 0;
            if (limiter.Allow(suppressed)) {
                spdlog::error("alert webhook queue full ({}): dropped the oldest notification ({} similar suppressed)",
                              settings_.queue_max, suppressed);
            }
        }
        queue_.push_back(std::move(body));
        queued_->Set(static_cast<double>(queue_.size()));
    }
    changed_.notify_all();
}

std::size_t WebhookSender::Pending() const {
    std::lock_guard lock(mutex_);
    return queue_.size();
}

WebhookSender::PostResult WebhookSender::Post(const std::string& body, std::string& detail) {
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        detail = "curl_easy_init failed";
        return PostResult::kRetry;
    }
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &DiscardBody);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "cosmic-health-monitor");
    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (code != CURLE_OK) {
        detail = curl_easy_strerror(code);
        return PostResult::kRetry;
    }
    detail = "HTTP " + std::to_string(status);
    if (status >= 200 && status < 300) return PostResult::kDelivered;
    if (status >= 500 || status == 429 || status == 408) return PostResult::kRetry;
    return PostResult::kGiveUp;
}

void WebhookSender::Run() {
    std::mt19937_64 random(std::random_device{}());
    telemetry::RateLimiter limiter;
    int attempt = 0;
    std::unique_lock lock(mutex_);
    while (true) {
        changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
        if (queue_.empty() || (stopping_ && std::chrono::steady_clock::now() >= drain_deadline_)) return;
        const std::string body = queue_.front();
        lock.unlock();
        std::string detail;
        const PostResult result = Post(body, detail);
        ++attempt;
        lock.lock();
        // The head may have been dropped by a full queue meanwhile; only pop what was posted.
        const bool head_unchanged = !queue_.empty() && queue_.front() == body;
        if (result == PostResult::kDelivered || result == PostResult::kGiveUp || attempt >= settings_.max_attempts) {
            if (result == PostResult::kDelivered) {
                sent_->Increment();
            } else {
                failed_->Increment();
                std::uint64_t suppressed = 0;
                if (limiter.Allow(suppressed)) {
                    spdlog::error("alert webhook {}: gave up after {} attempt(s): {} ({} similar suppressed)",
                                  settings_.url, attempt, detail, suppressed);
                }
            }
            if (head_unchanged) queue_.pop_front();
            queued_->Set(static_cast<double>(queue_.size()));
            attempt = 0;
            continue;
        }
        retried_->Increment();
        const auto cap = std::min<std::int64_t>(settings_.backoff_max.count(), settings_.backoff_base.count()
                                                                                   << std::min(attempt - 1, 30));
        const auto delay = std::chrono::milliseconds(cap / 2 + static_cast<std::int64_t>(random() % (cap / 2 + 1)));
        std::uint64_t suppressed = 0;
        if (limiter.Allow(suppressed)) {
            spdlog::warn("alert webhook {}: attempt {} failed ({}); retrying in {} ms ({} similar suppressed)",
                         settings_.url, attempt, detail, delay.count(), suppressed);
        }
        // Wait out the backoff, but no longer than a shutdown's deadline (which may arrive meanwhile).
        const auto wake = std::chrono::steady_clock::now() + delay;
        while (true) {
            const auto until = stopping_ ? std::min(wake, drain_deadline_) : wake;
            if (std::chrono::steady_clock::now() >= until) break;
            changed_.wait_until(lock, until);
        }
    }
}

AlertPublisher::AlertPublisher(kafka::Producer& producer, std::vector<std::string> users,
                               prometheus::Registry& registry)
    : producer_(producer),
      users_(std::move(users)),
      notifications_sent_(&Outcome(registry, "notifications", "sent")),
      notifications_failed_(&Outcome(registry, "notifications", "failed")),
      audit_sent_(&Outcome(registry, "audit", "sent")),
      audit_failed_(&Outcome(registry, "audit", "failed")) {}

void AlertPublisher::Publish(const AlertTransition& transition) {
    static telemetry::RateLimiter limiter;
    auto report = [](prometheus::Counter* sent, prometheus::Counter* failed) {
        return [sent, failed](const kafka::DeliveryReport& report) {
            if (report.skipped) return;  // Kafka disabled: nothing was sent, nothing failed
            if (!report.error) {
                sent->Increment();
                return;
            }
            failed->Increment();
            std::uint64_t suppressed = 0;
            if (limiter.Allow(suppressed)) {
                spdlog::error("alert event to {} not delivered: {} ({} similar suppressed)", report.topic,
                              report.error.ToString(), suppressed);
            }
        };
    };
    auto publish = [&](const schema::Event& event, prometheus::Counter* sent, prometheus::Counter* failed) {
        if (const kafka::KafkaError error = producer_.Publish(event, {}, report(sent, failed))) {
            failed->Increment();
            std::uint64_t suppressed = 0;
            if (limiter.Allow(suppressed)) {
                spdlog::error("alert event not queued: {} ({} similar suppressed)", error.ToString(), suppressed);
            }
        }
    };
    for (const std::string& user : users_) {
        publish(AlertNotificationEvent(transition, user), notifications_sent_, notifications_failed_);
    }
    publish(AlertAuditEvent(transition), audit_sent_, audit_failed_);
}

}  // namespace cosmic::health
