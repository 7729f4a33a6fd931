#include "cosmic/notification_consumer/notification_service.hpp"

#include <spdlog/spdlog.h>

#include "cosmic/kafka/dlq.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/schema/topics.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::notification {

namespace {

constexpr std::string_view kTopic = "job-lifecycle";

DirectoryWatcher MakeDirectory(const service::Config& config, const NotifySettings& settings, NotifyMetrics& metrics) {
    DirectoryWatcher::Observer observer;
    observer.on_reload = [&metrics, path = settings.users_file](std::size_t users) {
        metrics.Reloaded(true, users);
        spdlog::info("user directory {}: {} users", path, users);
    };
    observer.on_error = [&metrics](const std::string& error) {
        metrics.Reloaded(false, 0);
        spdlog::error("user directory not reloaded, keeping the previous one: {}", error);
    };
    try {
        return DirectoryWatcher(settings.users_file, settings.users_max, std::move(observer));
    } catch (const DirectoryError& error) {
        throw service::ConfigError("users.file", config.SourceOf("users.file"), error.what());
    }
}

}  // namespace

NotificationService::NotificationService(service::Kit& kit)
    : kit_(kit),
      settings_(LoadNotifySettings(kit.GetConfig())),
      auth_(kit.Auth()),
      metrics_(*kit.Registry()),
      directory_(MakeDirectory(kit.GetConfig(), settings_, metrics_)),
      store_(kit.Store<NotificationStore>("store", settings_.store)),
      hub_(auth_, settings_.websocket_max_per_user),
      api_(store_, ApiLimits{settings_.api_default_limit, settings_.api_max_limit}, kit.Clock()),
      engine_(kit.Emplace<DeliveryEngine>(
          EngineOptions{settings_.delivery, settings_.smtp, settings_.webhook, std::string(kit.Service())}, store_,
          &kit.Producer(), &hub_, metrics_, kit.Clock())),
      group_id_(kit.GetConfig().GetString("consumer.group_id")) {
    if (settings_.users_file.empty()) {
        spdlog::warn("users.file (COSMIC_USERS_FILE) is not set: every user is unknown and gets in-app only");
    }
    if (settings_.smtp.url.empty()) {
        spdlog::warn("smtp.url (COSMIC_SMTP_URL) is not set: email deliveries are recorded as failed");
    }
    DirectoryWatcher::InstallSighupHandler();

    api_.Register(kit.Http(), auth_);
    hub_.Attach(kit.Http().AddWebSocket("/ws/notifications", hub_.Callbacks()));

    service::ConsumeOptions consume;
    consume.tune = [this](kafka::RunnerOptions& options) {
        options.poll_batch_size = static_cast<int>(settings_.batch_max_records);
        // A retried batch is a re-check of deliveries still running: come back soon rather than
        // after the default 30 s cap.
        options.retry.base = std::chrono::milliseconds(100);
        options.retry.cap = std::chrono::milliseconds(2000);
    };
    kit.Consume({std::string(kTopic)}, std::move(consume))
        .OnBatch([this](std::span<const kafka::Record> records) { return HandleBatch(records); },
                 settings_.batch_max_records, settings_.batch_max_wait);

    kit.Every("users-reload", settings_.users_reload_interval, [this] { directory_.Check(); });
    kit.Every("retention", settings_.store.purge_interval, [this] {
        const PurgeCounts purged = store_.Purge(kit_.NowMs());
        if (purged.inapp + purged.deliveries > 0) {
            spdlog::info("retention: {} in-app notifications and {} delivery records removed", purged.inapp,
                         purged.deliveries);
        }
    });
    kit.Heartbeat(
        [this](const service::HeartbeatCommon&, schema::JsonWriter& fields) { return WriteHeartbeat(fields); });
    kit.Readiness("users", [this](std::string& detail) {
        const std::string error = directory_.LastError();
        detail = error.empty() ? std::to_string(directory_.Snapshot()->Size()) + " users"
                               : "last reload failed (previous directory in use): " + error;
        return true;
    });
}

kafka::Outcome NotificationService::HandleBatch(std::span<const kafka::Record> records) {
    const auto deadline = std::chrono::steady_clock::now() + settings_.delivery.hold;
    tickets_.clear();
    bool complete = true;
    std::uint64_t skipped = 0;
    const std::shared_ptr<const notification::Directory> directory = directory_.Snapshot();
    for (const kafka::Record& record : records) {
        if (record.event == nullptr) {
            complete = SendDeadLetter(record) && complete;
            continue;
        }
        const schema::Event& event = *record.event;
        const auto outcome = TerminalOutcome(event.event_type);
        if (!outcome) {
            // The fast path: five of the eight lifecycle types, no allocation.
            if (record.from.attempt == 1) ++skipped;
            continue;
        }
        if (event.user_id.empty()) {
            if (record.from.attempt == 1) metrics_.NoUser();
            continue;
        }
        DeliveryEngine::Ticket ticket;
        switch (engine_.Offer(event, *outcome, *directory, record.from.ChildTraceparent(), ticket)) {
            case DeliveryEngine::OfferResult::kDone:
                break;
            case DeliveryEngine::OfferResult::kPending:
                tickets_.push_back(std::move(ticket));
                break;
            case DeliveryEngine::OfferResult::kBusy:
                complete = false;
                break;
        }
    }
    metrics_.Skipped(skipped);
    if (!tickets_.empty() && !engine_.WaitDone(tickets_, deadline)) complete = false;
    if (!dead_letters_.empty() && !WaitDeadLetters(deadline)) complete = false;
    tickets_.clear();
    if (!complete) return kafka::Outcome::kRetry;
    dead_letters_.clear();
    return kafka::Outcome::kOk;
}

bool NotificationService::SendDeadLetter(const kafka::Record& record) {
    const auto key = std::make_pair(record.from.partition, record.from.offset);
    std::shared_ptr<DeadLetter> entry;
    {
        std::lock_guard lock(dlq_mutex_);
        auto& slot = dead_letters_[key];
        if (slot && slot->state != DeadLetter::State::kFailed) return slot->state == DeadLetter::State::kAcked;
        slot = std::make_shared<DeadLetter>();
        entry = slot;
    }
    kafka::DeadLetterInfo info;
    info.topic = record.from.topic;
    info.partition = record.from.partition;
    info.offset = record.from.offset;
    info.timestamp_ms = record.from.timestamp_ms;
    info.consumer_group = group_id_;
    info.error_class = kafka::dlq_error::kInvalidEvent;
    const std::string message = record.violation != nullptr ? record.violation->ToString() : "invalid record";
    info.error_message = message;
    info.attempts = record.from.attempt;
    info.failed_at_ms = kit_.NowMs();
    const kafka::Headers headers = kafka::DeadLetterHeaders(record.from.headers, info);
    const std::string topic = schema::DlqTopicName(record.from.topic);
    kafka::OutgoingMessage out;
    out.topic = topic;
    out.key = record.from.key;
    out.value = record.value;
    out.headers = headers;
    const kafka::KafkaError error = kit_.Producer().Send(out, [this, entry](const kafka::DeliveryReport& report) {
        std::lock_guard lock(dlq_mutex_);
        entry->state = report.error && !report.skipped ? DeadLetter::State::kFailed : DeadLetter::State::kAcked;
        dlq_cv_.notify_all();
    });
    if (error) {
        std::lock_guard lock(dlq_mutex_);
        entry->state = DeadLetter::State::kFailed;
    }
    return false;
}

bool NotificationService::WaitDeadLetters(std::chrono::steady_clock::time_point deadline) {
    std::unique_lock lock(dlq_mutex_);
    return dlq_cv_.wait_until(lock, deadline, [this] {
        for (const auto& [key, entry] : dead_letters_) {
            if (entry->state != DeadLetter::State::kAcked) return false;
        }
        return true;
    });
}

schema::HealthStatus NotificationService::WriteHeartbeat(schema::JsonWriter& fields) {
    const std::size_t in_flight = engine_.InFlight();
    fields.Key("queue_depth").Uint(engine_.QueueDepth());
    fields.Key("in_flight").Uint(in_flight);
    fields.Key("deliveries_sent").Uint(metrics_.Total(DeliveryState::kSent));
    fields.Key("deliveries_failed").Uint(metrics_.Total(DeliveryState::kFailed));
    fields.Key("deliveries_skipped").Uint(metrics_.Total(DeliveryState::kSkipped));
    fields.Key("delivery_retries").Uint(metrics_.RetriesTotal());
    fields.Key("unknown_users").Uint(metrics_.UnknownUsers());
    fields.Key("skipped_events").Uint(metrics_.SkippedEvents());
    fields.Key("directory_users").Uint(directory_.Snapshot()->Size());
    fields.Key("websocket_connections").Uint(hub_.Connections());
    fields.Key("smtp_configured").Bool(!settings_.smtp.url.empty());
    const std::string error = directory_.LastError();
    if (!error.empty()) fields.Key("directory_error").String(error);
    if (!error.empty() || in_flight >= settings_.delivery.max_in_flight) return schema::HealthStatus::kDegraded;
    return schema::HealthStatus::kHealthy;
}

}  // namespace cosmic::notification
