#include "cosmic/kafka/heartbeat.hpp"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <utility>

#include "cosmic/kafka/producer.hpp"

namespace cosmic::kafka {

struct Heartbeat::State {
    std::atomic<std::uint64_t> published{0};
    std::atomic<std::uint64_t> failed{0};
    prometheus::Counter* published_metric = nullptr;
    prometheus::Counter* failed_metric = nullptr;

    void OnPublished() {
        published.fetch_add(1, std::memory_order_relaxed);
        if (published_metric != nullptr) published_metric->Increment();
    }
    void OnFailed() {
        failed.fetch_add(1, std::memory_order_relaxed);
        if (failed_metric != nullptr) failed_metric->Increment();
    }
};

schema::Event MakeHeartbeatEvent(std::string_view source, std::string_view component_id, HeartbeatSnapshot snapshot) {
    schema::Event event = schema::NewEvent(schema::TopicId::kSystemHealth, "health.heartbeat", source);
    event.component_id = component_id;
    event.status = snapshot.status;
    event.metrics = std::move(snapshot.metrics);
    return event;
}

Heartbeat::Heartbeat(Producer& producer, HeartbeatOptions options, Collect collect,
                     const std::shared_ptr<prometheus::Registry>& registry)
    : producer_(producer),
      options_(std::move(options)),
      collect_(std::move(collect)),
      state_(std::make_shared<State>()) {
    if (registry) {
        auto& family = prometheus::BuildCounter()
                           .Name("cosmic_heartbeats_total")
                           .Help("health.heartbeat events by result (published = acknowledged by the broker).")
                           .Register(*registry);
        state_->published_metric = &family.Add({{"result", "published"}});
        state_->failed_metric = &family.Add({{"result", "failed"}});
    }
}

Heartbeat::~Heartbeat() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void Heartbeat::Start() {
    if (options_.interval.count() <= 0 || thread_.joinable()) return;
    thread_ = std::thread([this] { Loop(); });
}

void Heartbeat::Stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    if (options_.final_on_stop) PublishNow();
}

void Heartbeat::Loop() {
    using Clock = std::chrono::steady_clock;
    auto due = Clock::now() + options_.interval;
    std::unique_lock lock(mutex_);
    while (!wake_.wait_until(lock, due, [this] { return stopping_; })) {
        lock.unlock();
        PublishNow();
        lock.lock();
        // From the previous due time, so the period does not drift; never a burst to catch up.
        due = std::max(due + options_.interval, Clock::now());
    }
}

bool Heartbeat::PublishNow() {
    HeartbeatSnapshot snapshot;
    try {
        snapshot = collect_();
    } catch (const std::exception& error) {
        state_->OnFailed();
        spdlog::warn("heartbeat not sent: collecting the snapshot failed: {}", error.what());
        return false;
    }
    const schema::Event event = MakeHeartbeatEvent(options_.source, options_.component_id, std::move(snapshot));
    const KafkaError error = producer_.Publish(event, {}, [state = state_](const DeliveryReport& report) {
        if (report.skipped) return;
        if (report.error) {
            state->OnFailed();
            spdlog::warn("heartbeat not delivered: {}", report.error.ToString());
        } else {
            state->OnPublished();
        }
    });
    if (error) {
        state_->OnFailed();
        spdlog::warn("heartbeat not queued: {}", error.ToString());
        return false;
    }
    return true;
}

HeartbeatCounts Heartbeat::Counts() const noexcept {
    return {state_->published.load(std::memory_order_relaxed), state_->failed.load(std::memory_order_relaxed)};
}

}  // namespace cosmic::kafka
