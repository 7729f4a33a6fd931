#include "cosmic/job_orchestrator/outbox_relay.hpp"

#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "cosmic/schema/event.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::orchestrator {
namespace {

using Clock = std::chrono::steady_clock;

telemetry::RateLimiter& ErrorLog() {
    static telemetry::RateLimiter limiter(std::chrono::seconds(5));
    return limiter;
}

template <class... Args>
void LogError(spdlog::format_string_t<Args...> format, Args&&... args) {
    std::uint64_t suppressed = 0;
    if (ErrorLog().Allow(suppressed)) {
        spdlog::error(format, std::forward<Args>(args)...);
        if (suppressed > 0) spdlog::error("outbox relay: {} similar errors suppressed", suppressed);
    }
}

}  // namespace

OutboxRelay::OutboxRelay(JobStore& store, kafka::Producer& producer, RelayOptions options, RelayMetrics metrics)
    : store_(store), producer_(producer), options_(options), metrics_(metrics) {
    options_.batch_size = std::max<std::size_t>(1, options_.batch_size);
    options_.max_in_flight = std::max(options_.max_in_flight, options_.batch_size);
}

OutboxRelay::~OutboxRelay() { Stop(Clock::now()); }

void OutboxRelay::Start() {
    if (started_) return;
    started_ = true;
    marker_ = std::thread([this] { MarkLoop(); });
    thread_ = std::thread([this] { Run(); });
}

void OutboxRelay::Stop(std::chrono::steady_clock::time_point deadline) {
    if (!thread_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
        stop_deadline_ = deadline;
    }
    wake_.notify_all();
    thread_.join();
    // The relay handed its last acks to the marker; let it commit them, then stop it.
    {
        std::lock_guard lock(mutex_);
        marker_stopping_ = true;
    }
    mark_wake_.notify_all();
    marker_.join();
}

void OutboxRelay::MarkLoop() {
    std::vector<std::int64_t> ids;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            mark_wake_.wait(lock, [&] { return marker_stopping_ || !to_mark_.empty(); });
            if (to_mark_.empty()) return;  // stopping with nothing left
            ids.swap(to_mark_);
            marking_ = true;
        }
        bool ok = true;
        try {
            store_.MarkSent(ids, options_.clock());
        } catch (const std::exception& error) {
            // The rows stay pending and are published again after the rewind: duplicates, never loss.
            LogError("outbox relay: cannot mark {} rows sent: {}", ids.size(), error.what());
            ok = false;
        }
        ids.clear();
        {
            std::lock_guard lock(mutex_);
            marking_ = false;
            if (!ok) mark_failed_ = true;
        }
        wake_.notify_one();
    }
}

void OutboxRelay::Notify() {
    {
        std::lock_guard lock(mutex_);
        if (notified_) return;
        notified_ = true;
    }
    wake_.notify_one();
}

RelayStats OutboxRelay::Stats() const {
    std::lock_guard lock(mutex_);
    RelayStats stats = stats_;
    stats.in_flight = in_flight_;
    return stats;
}

void OutboxRelay::OnDelivery(std::int64_t id, std::int64_t created_at_ms, const kafka::DeliveryReport& report) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        // One wake-up per batch of reports: the relay takes every queued ack at once.
        wake = acks_.empty();
        acks_.push_back(Ack{id, created_at_ms, !report.error, report.skipped});
        --in_flight_;
    }
    if (wake) wake_.notify_one();
}

bool OutboxRelay::Settle(std::vector<Ack>& acks) {
    if (acks.empty()) return true;
    std::vector<std::int64_t> ids;
    ids.reserve(acks.size());
    std::uint64_t published = 0;
    std::uint64_t skipped = 0;
    std::uint64_t failed = 0;
    const std::int64_t now_ms = options_.clock();
    for (const Ack& ack : acks) {
        if (!ack.ok) {
            ++failed;
            continue;
        }
        ids.push_back(ack.id);
        if (ack.skipped) {
            ++skipped;
        } else {
            ++published;
            if (metrics_.latency != nullptr) {
                metrics_.latency->Observe(static_cast<double>(std::max<std::int64_t>(0, now_ms - ack.created_at_ms)) /
                                          1000.0);
            }
        }
    }
    acks.clear();
    if (metrics_.published != nullptr) metrics_.published->Increment(static_cast<double>(published));
    if (metrics_.skipped != nullptr) metrics_.skipped->Increment(static_cast<double>(skipped));
    if (metrics_.failed != nullptr) metrics_.failed->Increment(static_cast<double>(failed));
    bool wake_marker = false;
    {
        std::lock_guard lock(mutex_);
        stats_.published += published;
        stats_.skipped += skipped;
        stats_.failed += failed;
        wake_marker = to_mark_.empty() && !ids.empty();
        to_mark_.insert(to_mark_.end(), ids.begin(), ids.end());
    }
    if (wake_marker) mark_wake_.notify_one();
    return failed == 0;
}

bool OutboxRelay::PublishBatch() {
    std::size_t room = 0;
    {
        std::lock_guard lock(mutex_);
        room = options_.max_in_flight > in_flight_ ? options_.max_in_flight - in_flight_ : 0;
    }
    if (room == 0) return false;
    const std::size_t want = std::min(options_.batch_size, room);
    store_.ReadPending(cursor_, want, rows_);
    for (const OutboxRow& row : rows_) {
        if (!DecodeHeaders(row.headers, headers_)) {
            LogError("outbox relay: row {} has malformed headers; publishing without them", row.id);
            headers_.clear();
        }
        kafka::OutgoingMessage message;
        message.topic = row.topic;
        if (!row.key.empty()) message.key = row.key;
        message.value = row.value;
        message.headers = headers_;
        {
            std::lock_guard lock(mutex_);
            ++in_flight_;
        }
        const std::int64_t id = row.id;
        const std::int64_t created_at_ms = row.created_at_ms;
        const kafka::KafkaError error = producer_.Send(
            message,
            [this, id, created_at_ms](const kafka::DeliveryReport& report) { OnDelivery(id, created_at_ms, report); });
        if (error) {
            {
                std::lock_guard lock(mutex_);
                --in_flight_;
                ++stats_.failed;
            }
            if (metrics_.failed != nullptr) metrics_.failed->Increment();
            throw std::runtime_error("row " + std::to_string(id) + " not queued: " + error.ToString());
        }
        cursor_ = id;
    }
    return rows_.size() == want;
}

void OutboxRelay::Run() {
    std::vector<Ack> acks;
    bool more = false;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            const bool room = in_flight_ < options_.max_in_flight;
            if (!(more && room && !rewinding_)) {
                auto wake_at = Clock::now() + options_.poll_interval;
                if (rewinding_) wake_at = std::min(wake_at, retry_at_);
                wake_.wait_until(lock, wake_at, [&] { return stopping_ || notified_ || !acks_.empty(); });
            }
            notified_ = false;
            acks.swap(acks_);
            if (stopping_) break;
        }
        bool ok = Settle(acks);
        {
            std::lock_guard lock(mutex_);
            ok = ok && !mark_failed_;
            mark_failed_ = false;
        }
        const auto now = Clock::now();
        if (!ok && !rewinding_) {
            rewinding_ = true;
            retry_at_ = now + options_.retry_backoff;
            std::lock_guard lock(mutex_);
            ++stats_.rewinds;
        }
        if (rewinding_) {
            bool settled = false;
            {
                std::lock_guard lock(mutex_);
                settled = in_flight_ == 0 && to_mark_.empty() && !marking_;
            }
            if (!settled || now < retry_at_) {
                more = false;
                continue;
            }
            // Nothing in flight, every ack marked: start again from the oldest pending row, in id order.
            rewinding_ = false;
            cursor_ = 0;
        }
        try {
            more = PublishBatch();
        } catch (const std::exception& error) {
            LogError("outbox relay: {}; retrying from the oldest pending row", error.what());
            more = false;
            rewinding_ = true;
            retry_at_ = Clock::now() + options_.retry_backoff;
            std::lock_guard lock(mutex_);
            ++stats_.rewinds;
        }
    }
    Settle(acks);
    FinalFlush(stop_deadline_);
}

void OutboxRelay::FinalFlush(std::chrono::steady_clock::time_point deadline) {
    const auto remaining = std::max(std::chrono::milliseconds(0),
                                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    const std::size_t undelivered = producer_.Flush(remaining);
    std::vector<Ack> acks;
    {
        std::lock_guard lock(mutex_);
        acks.swap(acks_);
    }
    Settle(acks);
    if (undelivered > 0) {
        spdlog::warn(
            "outbox relay stopped with {} records undelivered; they stay pending and are published after "
            "restart",
            undelivered);
    }
}

}  // namespace cosmic::orchestrator
