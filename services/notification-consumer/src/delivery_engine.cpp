#include "cosmic/notification_consumer/delivery_engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cosmic/notification_consumer/smtp_client.hpp"
#include "cosmic/notification_consumer/webhook_client.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::notification {

struct DeliveryEngine::Tracked {
    Notification n;
    std::atomic<int> pending{0};
    bool done = false;  // guarded by the engine's mutex
};

struct DeliveryEngine::Worker {
    Worker(const EngineOptions& options, const std::atomic<bool>* abort)
        : smtp(options.smtp, abort), webhook(options.webhook, abort) {}
    SmtpClient smtp;
    WebhookClient webhook;
    std::thread thread;
};

namespace {

constexpr int kMaxStageBackoffExponent = 8;

telemetry::RateLimiter& StoreErrorLog() {
    static telemetry::RateLimiter limiter;
    return limiter;
}

std::string ReceiptPayload(const Notification& n, schema::Channel channel, DeliveryState state, int attempts,
                           std::string_view error, std::int64_t now_ms) {
    std::string out;
    schema::JsonWriter w(out);
    w.BeginObject();
    w.Key("source_event_id").String(n.event_id);
    w.Key("source_event_type").String(n.event_type);
    w.Key("job_id").String(n.job_id);
    w.Key("outcome").String(ToString(n.outcome));
    w.Key("channel").String(schema::ToString(channel));
    w.Key("attempts").Int(attempts);
    if (state == DeliveryState::kFailed) w.Key("error").String(error.substr(0, 1024));
    w.Key(state == DeliveryState::kSent ? "delivered_at" : "failed_at").String(schema::FormatTimestamp(now_ms));
    w.EndObject();
    return out;
}

}  // namespace

DeliveryEngine::DeliveryEngine(EngineOptions options, NotificationStore& store, kafka::Producer* receipts,
                               WebSocketHub* hub, NotifyMetrics& metrics, std::function<std::int64_t()> clock)
    : options_(std::move(options)),
      store_(store),
      receipts_(receipts),
      hub_(hub),
      metrics_(metrics),
      clock_(std::move(clock)),
      backoff_(kafka::RetryPolicy{options_.delivery.backoff_base, options_.delivery.backoff_max,
                                  options_.delivery.max_attempts}) {}

DeliveryEngine::~DeliveryEngine() {
    if (started_) Stop(Clock::now());
}

void DeliveryEngine::Start() {
    std::lock_guard lock(mutex_);
    if (started_) return;
    started_ = true;
    stopping_ = false;
    for (std::size_t i = 0; i < options_.delivery.workers; ++i) {
        auto worker = std::make_unique<Worker>(options_, &abort_);
        Worker& ref = *worker;
        workers_.push_back(std::move(worker));
        ref.thread = std::thread([this, &ref] { Run(ref); });
    }
}

void DeliveryEngine::Stop(Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    if (!started_) return;
    stopping_ = true;
    const std::size_t dropped = ready_.size() + delayed_.size();
    ready_.clear();
    delayed_ = {};
    UpdateGaugesLocked();
    work_cv_.notify_all();
    done_cv_.notify_all();
    // Deliveries in progress finish if they can before the deadline; then transfers are cut.
    if (!done_cv_.wait_until(lock, deadline, [this] { return active_ == 0; })) {
        abort_.store(true);
    }
    lock.unlock();
    for (auto& worker : workers_) {
        if (worker->thread.joinable()) worker->thread.join();
    }
    lock.lock();
    workers_.clear();
    started_ = false;
    if (dropped > 0 || !tracked_.empty()) {
        spdlog::info(
            "delivery engine stopped: {} queued deliveries dropped, {} notifications unfinished (their "
            "events were not acknowledged and are consumed again after a restart)",
            dropped, tracked_.size());
    }
}

DeliveryEngine::OfferResult DeliveryEngine::Offer(const schema::Event& event, JobOutcome outcome,
                                                  const Directory& directory, std::string_view traceparent,
                                                  Ticket& ticket) {
    {
        std::lock_guard lock(mutex_);
        if (const auto it = tracked_.find(event.event_id); it != tracked_.end()) {
            ticket = it->second;
            return OfferResult::kPending;
        }
        if (stopping_) return OfferResult::kBusy;
    }
    // Only this thread offers, and a notification leaves tracked_ only after all of its
    // records were written, so the store is the truth for everything not tracked.
    const EventRecords records = store_.Lookup(event.event_id);
    const User* user = directory.Find(event.user_id);
    const ChannelSet channels = ChannelsFor(user);
    std::vector<Task> tasks;
    bool any_record = false;
    for (const schema::Channel channel : kAllChannels) {
        if (!channels.Has(channel)) continue;
        const auto& record = records[static_cast<std::size_t>(channel)];
        any_record = any_record || record.has_value();
        Task task;
        task.channel = channel;
        if (!record) {
            task.stage = Stage::kDeliver;
        } else if (record->receipt || record->state == DeliveryState::kSkipped) {
            continue;
        } else {
            task.stage = Stage::kReceipt;
            task.state = record->state;
            task.attempts = record->attempts;
        }
        tasks.push_back(std::move(task));
    }
    if (tasks.empty()) {
        if (any_record) metrics_.Duplicate();
        return OfferResult::kDone;
    }
    std::lock_guard lock(mutex_);
    if (tracked_.size() >= options_.delivery.max_in_flight) return OfferResult::kBusy;
    auto tracked = std::make_shared<Tracked>();
    tracked->n = MakeNotification(event, outcome, user, traceparent);
    tracked->pending.store(static_cast<int>(tasks.size()));
    if (!any_record) {
        metrics_.Terminal();
        if (user == nullptr) metrics_.UnknownUser();
    }
    for (Task& task : tasks) {
        task.tracked = tracked;
        task.order = next_order_++;
        ready_.push_back(std::move(task));
    }
    tracked_.emplace(tracked->n.event_id, tracked);
    ticket = std::move(tracked);
    UpdateGaugesLocked();
    work_cv_.notify_all();
    return OfferResult::kPending;
}

bool DeliveryEngine::WaitDone(std::span<const Ticket> tickets, Clock::time_point deadline) {
    std::unique_lock lock(mutex_);
    return done_cv_.wait_until(lock, deadline, [&] {
        return std::all_of(tickets.begin(), tickets.end(), [](const Ticket& t) { return t->done; });
    });
}

std::size_t DeliveryEngine::QueueDepth() const {
    std::lock_guard lock(mutex_);
    return ready_.size() + delayed_.size();
}

std::size_t DeliveryEngine::InFlight() const {
    std::lock_guard lock(mutex_);
    return tracked_.size();
}

void DeliveryEngine::UpdateGaugesLocked() {
    metrics_.SetQueueDepth(ready_.size() + delayed_.size());
    metrics_.SetInFlight(tracked_.size());
}

void DeliveryEngine::Run(Worker& worker) {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        const auto now = Clock::now();
        while (!delayed_.empty() && delayed_.top().due <= now) {
            ready_.push_back(delayed_.top());
            delayed_.pop();
        }
        if (ready_.empty()) {
            if (delayed_.empty()) {
                work_cv_.wait(lock);
            } else {
                // A copy: the wait releases the lock, and another worker's push may move the
                // queue's storage while this one sleeps.
                const Clock::time_point due = delayed_.top().due;
                work_cv_.wait_until(lock, due);
            }
            continue;
        }
        Task task = std::move(ready_.front());
        ready_.pop_front();
        ++active_;
        UpdateGaugesLocked();
        lock.unlock();
        try {
            Process(worker, std::move(task));
        } catch (const std::exception& error) {
            // A bug, not a delivery failure: the notification stays unfinished, so its event is
            // not acknowledged and comes back after a restart.
            spdlog::error("delivery engine: unexpected error: {}", error.what());
        }
        lock.lock();
        --active_;
        if (stopping_ && active_ == 0) done_cv_.notify_all();
    }
}

SendResult DeliveryEngine::Send(Worker& worker, const Task& task) {
    const Notification& n = task.tracked->n;
    const std::string_view link = options_.delivery.link_base_url;
    switch (task.channel) {
        case schema::Channel::kInApp:
            try {
                store_.DeliverInApp(n, task.attempts, clock_());
                return SendResult::Sent();
            } catch (const store::StoreError& error) {
                return SendResult::Retry(error.what());
            }
        case schema::Channel::kWebsocket:
            if (hub_ != nullptr && hub_->Push(n.user_id, WebSocketFrame(n, link)) > 0) return SendResult::Sent();
            return SendResult::Skipped("no open WebSocket connection");
        case schema::Channel::kEmail:
            return worker.smtp.Send(n.user.email, EmailMessage(n, options_.smtp.from, link, clock_()));
        case schema::Channel::kWebhook:
            return worker.webhook.Post(n.user.webhook_url, n.user.webhook_secret, WebhookBody(n, link),
                                       DeliveryId(n.event_id, schema::Channel::kWebhook), clock_());
    }
    return SendResult::Permanent("unknown channel");
}

void DeliveryEngine::Process(Worker& worker, Task task) {
    switch (task.stage) {
        case Stage::kDeliver:
            break;
        case Stage::kRecord:
            Record(std::move(task));
            return;
        case Stage::kReceipt:
            PublishReceipt(std::move(task));
            return;
    }
    ++task.attempts;
    SendResult result = Send(worker, task);
    if (result.kind == SendResult::Kind::kRetry) {
        if (abort_.load() || [&] {
                std::lock_guard lock(mutex_);
                return stopping_;
            }()) {
            return;  // cut off by the shutdown: not an outcome, the event comes back after a restart
        }
        if (task.attempts < options_.delivery.max_attempts) {
            metrics_.Retry(task.channel);
            const int attempts = task.attempts;
            Schedule(std::move(task), attempts);
            return;
        }
    }
    switch (result.kind) {
        case SendResult::Kind::kSent:
            task.state = DeliveryState::kSent;
            break;
        case SendResult::Kind::kSkipped:
            task.state = DeliveryState::kSkipped;
            break;
        case SendResult::Kind::kRetry:
        case SendResult::Kind::kPermanent:
            task.state = DeliveryState::kFailed;
            break;
    }
    task.error = std::move(result.error);
    const std::int64_t now = clock_();
    const Notification& n = task.tracked->n;
    metrics_.Delivered(
        task.channel, task.state,
        n.occurred_at_ms > 0 ? static_cast<double>(std::max<std::int64_t>(now - n.occurred_at_ms, 0)) / 1000.0 : -1.0);
    if (task.channel == schema::Channel::kInApp && task.state == DeliveryState::kSent) {
        PublishReceipt(std::move(task));  // DeliverInApp recorded it with the row
        return;
    }
    Record(std::move(task));
}

void DeliveryEngine::Record(Task task) {
    const Notification& n = task.tracked->n;
    try {
        store_.RecordOutcome(n, task.channel, task.state, task.attempts, task.error, clock_());
    } catch (const store::StoreError& error) {
        std::uint64_t suppressed = 0;
        if (StoreErrorLog().Allow(suppressed)) {
            spdlog::error("notification store: recording an outcome failed: {} ({} similar suppressed)", error.what(),
                          suppressed);
        }
        task.stage = Stage::kRecord;
        const int failures = ++task.stage_failures;
        Schedule(std::move(task), std::min(failures, kMaxStageBackoffExponent));
        return;
    }
    if (task.state == DeliveryState::kSkipped) {
        Complete(task);
        return;
    }
    task.stage_failures = 0;
    PublishReceipt(std::move(task));
}

void DeliveryEngine::PublishReceipt(Task task) {
    task.stage = Stage::kReceipt;
    const Notification& n = task.tracked->n;
    if (receipts_ == nullptr) {
        store_.MarkReceipt(n.event_id, task.channel);
        Complete(task);
        return;
    }
    schema::Event receipt = schema::NewEvent(
        schema::TopicId::kNotifications,
        task.state == DeliveryState::kSent ? "notification.sent" : "notification.failed", options_.source);
    // The same id however often it is published: consumers of `notifications` drop repeats.
    receipt.event_id = DeliveryId(n.event_id, task.channel);
    receipt.user_id = n.user_id;
    receipt.channel = task.channel;
    receipt.correlation_id = n.correlation_id;
    receipt.payload = ReceiptPayload(n, task.channel, task.state, task.attempts, task.error, clock_());
    kafka::PublishOptions publish;
    publish.traceparent = n.traceparent;
    auto shared = std::make_shared<Task>(std::move(task));
    const kafka::KafkaError error =
        receipts_->Publish(receipt, publish, [this, shared](const kafka::DeliveryReport& report) {
            if (report.error && !report.skipped) {
                metrics_.ReceiptError();
                const int failures = ++shared->stage_failures;
                Schedule(std::move(*shared), std::min(failures, kMaxStageBackoffExponent));
                return;
            }
            try {
                store_.MarkReceipt(shared->tracked->n.event_id, shared->channel);
            } catch (const store::StoreError& store_error) {
                // The receipt is out; without the mark a redelivery publishes it again (same event_id).
                std::uint64_t suppressed = 0;
                if (StoreErrorLog().Allow(suppressed)) {
                    spdlog::error("notification store: marking a receipt failed: {} ({} similar suppressed)",
                                  store_error.what(), suppressed);
                }
            }
            Complete(*shared);
        });
    if (error) {
        metrics_.ReceiptError();
        const int failures = ++shared->stage_failures;
        Schedule(std::move(*shared), std::min(failures, kMaxStageBackoffExponent));
    }
}

void DeliveryEngine::Complete(const Task& task) {
    Tracked& tracked = *task.tracked;
    if (tracked.pending.fetch_sub(1) != 1) return;
    std::lock_guard lock(mutex_);
    tracked.done = true;
    tracked_.erase(tracked.n.event_id);
    UpdateGaugesLocked();
    done_cv_.notify_all();
}

void DeliveryEngine::Schedule(Task task, int failures) {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    task.due = Clock::now() + backoff_.Next(std::max(failures, 1));
    task.order = next_order_++;
    delayed_.push(std::move(task));
    UpdateGaugesLocked();
    work_cv_.notify_one();
}

}  // namespace cosmic::notification
