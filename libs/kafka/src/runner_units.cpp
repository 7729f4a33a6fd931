#include "runner_units.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "cosmic/kafka/dlq.hpp"

namespace cosmic::kafka::runner_detail {
namespace {

std::string_view Value(const rd_kafka_message_t& message) {
    return {static_cast<const char*>(message.payload), message.payload ? message.len : 0};
}

std::int64_t WallClockMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

HeldUnits::HeldUnits(const RunnerOptions& options, const TopicTable& topics, PartitionTable& partitions,
                     RunnerTally& tally, QueueWaker& waker, const std::string& name)
    : options_(options),
      topics_(topics),
      partitions_(partitions),
      tally_(tally),
      waker_(waker),
      name_(name),
      backoff_(options.retry) {}

void HeldUnits::OpenDeadLetterProducer(const std::shared_ptr<prometheus::Registry>& registry) {
    if (options_.dead_letter_queue) {
        dlq_ = std::make_unique<Producer>(options_.client, options_.dlq_producer, registry);
    }
}

bool HeldUnits::CloseDeadLetterProducer(std::chrono::milliseconds timeout) {
    return !dlq_ || dlq_->Close(std::max(timeout, std::chrono::milliseconds(0))) == 0;
}

void HeldUnits::DestroyDeadLetterProducer() noexcept { dlq_.reset(); }

Unit& HeldUnits::Hold(std::span<Held> records) {
    const std::uint64_t id = next_id_++;
    Unit& unit = units_[id];
    unit.id = id;
    unit.records.reserve(records.size());
    for (Held& held : records) {
        unit.records.push_back(std::move(held));
    }
    partitions_.Pause(unit.records, id);
    return unit;
}

void HeldUnits::HandleFailure(Unit& unit, Result result, Failure failure) {
    if (result == Result::kRetry && unit.attempts < options_.retry.max_attempts) {
        CountRetry(unit);
        unit.phase = Phase::kRetryWait;
        unit.failure = std::move(failure);
        unit.due = Clock::now() + backoff_.Next(unit.attempts);
        return;
    }
    StartDeadLetter(unit, std::move(failure));
}

void HeldUnits::Release(Unit& unit) {
    partitions_.Resume(unit.records, unit.id);
    units_.erase(unit.id);  // `unit` is gone from here on
}

void HeldUnits::Abandon(Unit& unit) {
    partitions_.Rewind(unit.records, unit.id);
    units_.erase(unit.id);
}

void HeldUnits::AbandonWhere(const std::function<bool(const Unit&)>& relevant) {
    std::vector<std::uint64_t> abandoned;
    for (const auto& [id, unit] : units_) {
        if (relevant(unit)) {
            abandoned.push_back(id);
        }
    }
    for (std::uint64_t id : abandoned) {
        Abandon(units_.at(id));
    }
}

void HeldUnits::AbandonAll() {
    while (!units_.empty()) {
        Abandon(units_.begin()->second);
    }
}

Clock::time_point HeldUnits::NextDue(Clock::time_point until) const noexcept {
    for (const auto& [id, unit] : units_) {
        if (unit.phase != Phase::kDlqInFlight) {
            until = std::min(until, unit.due);
        }
    }
    return until;
}

void HeldUnits::CountRetry(const Unit& unit) {
    tally_.Retried();
    for (const Held& held : unit.records) {
        const auto& metrics = *topics_[held.topic].metrics;
        (held.violation ? metrics.Unknown() : metrics.For(held.event.event_type)).Increment(Counted::kRetry);
        metrics.retries.Increment();
    }
}

void HeldUnits::StartDeadLetter(Unit& unit, Failure failure) {
    unit.failure = std::move(failure);
    if (dlq_) {
        SendDeadLetters(unit);
        return;
    }
    // Dead-letter topic turned off: the record is dropped, visibly.
    std::uint64_t suppressed = 0;
    if (dlq_log_.Allow(suppressed)) {
        spdlog::error(
            "kafka consumer {}: dropping {} record(s) of {} ({}: {}); dead-letter topic disabled "
            "({} similar suppressed)",
            name_, unit.records.size(), topics_[unit.records.front().topic].name, unit.failure.error_class,
            unit.failure.message, suppressed);
    }
    FinishDeadLetters(unit, false);
    Release(unit);
}

void HeldUnits::FinishDeadLetters(const Unit& unit, bool acknowledged) {
    std::size_t invalid = 0;
    for (const Held& held : unit.records) {
        partitions_.Store(held);
        const auto& metrics = *topics_[held.topic].metrics;
        (held.violation ? metrics.Unknown() : metrics.For(held.event.event_type))
            .Increment(held.violation ? Counted::kInvalid : Counted::kDeadLetter);
        if (acknowledged) {
            metrics.dlq.Increment();
        }
        invalid += held.violation ? 1 : 0;
    }
    tally_.DeadLettered(unit.records.size());
    tally_.Invalid(invalid);
}

void HeldUnits::SendDeadLetters(Unit& unit) {
    unit.phase = Phase::kDlqInFlight;
    ++unit.dlq_attempts;
    unit.dlq_failed = false;
    unit.dlq_pending = 0;
    const std::int64_t now_ms = WallClockMs();
    for (std::size_t i = 0; i < unit.records.size(); ++i) {
        const Held& held = unit.records[i];
        if (held.dlq_acked) {
            continue;
        }
        const rd_kafka_message_t& message = *held.message;
        const TopicState& topic = topics_[held.topic];
        DeadLetterInfo info;
        info.topic = topic.name;
        info.partition = message.partition;
        info.offset = message.offset;
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        info.timestamp_ms = rd_kafka_message_timestamp(&message, &type);
        info.consumer_group = options_.group_id;
        info.error_class = unit.failure.error_class;
        info.error_message = unit.failure.message;
        info.attempts = unit.attempts;
        info.failed_at_ms = now_ms;
        const Headers headers = DeadLetterHeaders(HeaderView(&message), info);

        OutgoingMessage out;
        out.topic = topic.dlq_name;
        if (message.key != nullptr) {
            out.key = std::string_view(static_cast<const char*>(message.key), message.key_len);
        }
        out.value = Value(message);
        out.headers = headers;
        ++unit.dlq_pending;
        KafkaError error = dlq_->Send(out, [this, id = unit.id, i](const DeliveryReport& report) {
            PostReport(DlqReport{id, i, report.error});
        });
        if (error) {
            --unit.dlq_pending;
            unit.dlq_failed = true;
            std::uint64_t suppressed = 0;
            if (dlq_log_.Allow(suppressed)) {
                spdlog::error("kafka consumer {}: cannot queue dead letter for {}: {} ({} similar suppressed)", name_,
                              topic.dlq_name, error.ToString(), suppressed);
            }
        }
    }
    if (unit.dlq_pending == 0) {
        // Nothing in flight: every send failed at once. Back off and try again.
        unit.phase = Phase::kDlqRetryWait;
        unit.due = Clock::now() + backoff_.Next(unit.dlq_attempts);
    }
}

void HeldUnits::PostReport(DlqReport report) {
    {
        std::lock_guard lock(reports_mutex_);
        reports_.push_back(std::move(report));
    }
    waker_.Wake();  // the consumer thread acts on it now, not at its poll timeout
    reports_cv_.notify_all();
}

void HeldUnits::ServiceReports() {
    {
        std::lock_guard lock(reports_mutex_);
        if (reports_.empty()) {
            return;
        }
        reports_in_hand_.swap(reports_);
    }
    for (DlqReport& report : reports_in_hand_) {
        auto it = units_.find(report.unit);
        if (it == units_.end() || it->second.phase != Phase::kDlqInFlight) {
            continue;  // the unit was abandoned (revoke, shutdown)
        }
        Unit& unit = it->second;
        if (report.error) {
            unit.dlq_failed = true;
            std::uint64_t suppressed = 0;
            if (dlq_log_.Allow(suppressed)) {
                spdlog::error(
                    "kafka consumer {}: dead letter to {} failed: {}; offset not stored, will retry "
                    "({} similar suppressed)",
                    name_, topics_[unit.records.front().topic].dlq_name, report.error.ToString(), suppressed);
            }
        } else {
            unit.records[report.index].dlq_acked = true;
        }
        if (--unit.dlq_pending > 0) {
            continue;
        }
        if (unit.dlq_failed) {
            unit.phase = Phase::kDlqRetryWait;
            unit.due = Clock::now() + backoff_.Next(unit.dlq_attempts);
            continue;
        }
        // Every dead letter is acknowledged: now the offsets may move past the records.
        FinishDeadLetters(unit, true);
        Release(unit);
    }
    reports_in_hand_.clear();
}

bool HeldUnits::WaitForDeadLetters(const std::function<bool(const Unit&)>& relevant, Clock::time_point deadline) {
    for (;;) {
        ServiceReports();
        const bool pending = std::any_of(units_.begin(), units_.end(), [&](const auto& entry) {
            return entry.second.phase == Phase::kDlqInFlight && relevant(entry.second);
        });
        if (!pending) {
            return true;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        std::unique_lock lock(reports_mutex_);
        reports_cv_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)),
                               [this] { return !reports_.empty(); });
    }
}

}  // namespace cosmic::kafka::runner_detail
