// The consumer thread's main path: consume a batch, parse it (partly ahead, on helper threads),
// take records in order, call handlers, act on outcomes.

#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>

#include "cosmic/kafka/dlq.hpp"
#include "runner_impl.hpp"

namespace cosmic::kafka {

using namespace runner_detail;  // the runner's private types (runner_impl.hpp)
namespace {

double SecondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Unix ms, the end of handling for cosmic_event_age_seconds. The precise clock (a vDSO call,
/// once per handled record or batch): the coarse one lags by up to a tick (4 ms here), which
/// would hide most of a low-latency consumer's event age.
std::int64_t WallClockMs() noexcept {
    timespec now{};
    clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

/// Ends the parse-ahead of a staged batch and drops the records not taken in (stop, or an
/// exception), so no helper thread and no librdkafka message outlives the loop turn.
template <typename Impl>
class StagedGuard {
  public:
    StagedGuard(Impl& impl, std::size_t count) : impl_(impl), end_(count) {}
    ~StagedGuard() {
        impl_.parse_ahead.End();
        for (std::size_t i = next; i < end_; ++i) {
            impl_.staged[i].message.reset();
        }
    }
    StagedGuard(const StagedGuard&) = delete;
    StagedGuard& operator=(const StagedGuard&) = delete;

    std::size_t next = 0;  ///< first record not yet taken in

  private:
    Impl& impl_;
    std::size_t end_;
};

/// Fills `failure`, the message cut to the 1 KiB a dead letter carries (so a held unit stays
/// small whatever a handler returns); `fallback` when the handler gave no reason.
void SetFailure(Failure& failure, std::string_view error_class, std::string_view reason, std::string_view fallback) {
    failure.error_class.assign(error_class);
    failure.message.assign(TruncateUtf8(reason.empty() ? fallback : reason, kMaxDlqErrorMessageBytes));
}

// Parse-ahead pays off only when there is a batch to share; a lone record is parsed in place.
constexpr std::size_t kParseAheadMin = 8;

}  // namespace

void Runner::Impl::Turn() {
    int timeout = 0;
    {
        runner_detail::PartitionTable::Deferred deferred(partitions);
        units.ServiceReports();
        const auto now = Clock::now();
        units.ServiceDue(now, [this](Unit& unit) { RetryUnit(unit); });
        if (batch_count > 0 && now >= batch_deadline) {
            DispatchBatch();
        }
        timeout = PollTimeoutMs(Clock::now());
    }
    // Rebalance, statistics and error callbacks run inside Consume: every handled record's
    // offset is stored before it (Deferred above and below).
    const std::size_t count = Consume(timeout);
    if (count > 0) {
        fetch_kicker.Observe(static_cast<std::size_t>(rd_kafka_queue_length(consumer_queue)), average_record_bytes);
    }
    {
        runner_detail::PartitionTable::Deferred deferred(partitions);
        Stage(count);
        StagedGuard guard(*this, count);
        while (guard.next < count && !stop_requested.load(std::memory_order_relaxed)) {
            Held& fresh = staged[guard.next];
            if (parse_ahead.Active()) {
                parse_ahead.Await(guard.next, parser);
            } else {
                ParseAhead::ParseOne(parse_slots[guard.next], parser);
            }
            ++guard.next;
            Intake(fresh);
        }
    }
    FlushMetrics();
}

void Runner::Impl::Stage(std::size_t count) {
    if (staged.size() < count) {
        staged.resize(count);
    }
    parse_slots.resize(count);
    std::size_t batch_bytes = 0;
    // Every consumed message is owned by a staged record first, so none leaks whatever happens next.
    for (std::size_t i = 0; i < count; ++i) {
        staged[i].message.reset(polled[i]);
    }
    for (std::size_t i = 0; i < count; ++i) {
        Held& held = staged[i];
        const rd_kafka_message_t& message = *held.message;
        ParseSlot& slot = parse_slots[i];
        slot.topic.reset();
        slot.event = &held.event;
        slot.violation = &held.violation;
        held.dlq_acked = false;
        if (message.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            continue;
        }
        const auto topic = topics.Index(rd_kafka_topic_name(message.rkt));
        if (!topic) {
            continue;
        }
        held.topic = *topic;
        slot.topic = topics[*topic].spec->id;
        batch_bytes += message.len;
        slot.bytes = std::string_view(static_cast<const char*>(message.payload), message.payload ? message.len : 0);
    }
    if (count > 0) {
        // What the queue's records weigh in librdkafka's byte limit, smoothed over batches.
        const double batch_average = static_cast<double>(batch_bytes) / static_cast<double>(count);
        average_record_bytes =
            average_record_bytes == 0 ? batch_average : 0.8 * average_record_bytes + 0.2 * batch_average;
    }
    if (count >= kParseAheadMin) {
        parse_ahead.Begin(std::span<const ParseSlot>(parse_slots.data(), count));
    }
}

std::size_t Runner::Impl::Consume(int timeout_ms) {
    const auto size = static_cast<std::size_t>(options.poll_batch_size);
    if (polled.size() != size) {
        polled.assign(size, nullptr);
    }
    // One call takes everything already fetched (up to the batch size) under one queue lock.
    // rd_kafka_consume_batch_queue waits for a full batch, so when nothing is there yet the
    // wait is for the first record only, and whatever arrived with it is taken right after.
    ssize_t count = rd_kafka_consume_batch_queue(consumer_queue, 0, polled.data(), size);
    if (count == 0 && timeout_ms > 0) {
        count = rd_kafka_consume_batch_queue(consumer_queue, timeout_ms, polled.data(), 1);
        if (count == 1 && size > 1) {
            const ssize_t more = rd_kafka_consume_batch_queue(consumer_queue, 0, polled.data() + 1, size - 1);
            count += std::max<ssize_t>(more, 0);
        }
    }
    if (count < 0) {
        std::uint64_t suppressed = 0;
        if (consumer_log.Allow(suppressed)) {
            spdlog::warn("kafka consumer {}: consume failed: {} ({} similar suppressed)", name,
                         rd_kafka_err2str(rd_kafka_last_error()), suppressed);
        }
        return 0;
    }
    return static_cast<std::size_t>(count);
}

void Runner::Impl::FlushMetrics() {
    for (const auto& topic : topics) {
        topic.metrics->Flush();
    }
    tally.Flush();
}

int Runner::Impl::PollTimeoutMs(Clock::time_point now) const {
    auto until = units.NextDue(now + options.poll_timeout);
    if (batch_count > 0) {
        until = std::min(until, batch_deadline);
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
    return static_cast<int>(std::max<std::int64_t>(wait, 0));
}

void Runner::Impl::OnConsumerError(const rd_kafka_message_t& message) {
    if (message.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        return;
    }
    if (message.err == RD_KAFKA_RESP_ERR__FATAL) {
        OnFatal(consumer);
        return;
    }
    std::uint64_t suppressed = 0;
    if (consumer_log.Allow(suppressed)) {
        spdlog::warn("kafka consumer {}: {} ({} similar suppressed)", name, rd_kafka_message_errstr(&message),
                     suppressed);
    }
}

void Runner::Impl::Intake(MessagePtr message) {
    single.message = std::move(message);
    single.dlq_acked = false;
    const rd_kafka_message_t& taken = *single.message;
    if (taken.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (const auto topic = topics.Index(rd_kafka_topic_name(taken.rkt))) {
            single.topic = *topic;
            const std::string_view value(static_cast<const char*>(taken.payload), taken.payload ? taken.len : 0);
            single.violation = parser.Parse(topics[*topic].spec->id, value, single.event);
        }
    }
    Intake(single);
}

void Runner::Impl::Intake(Held& fresh) {
    MessagePtr& message = fresh.message;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        OnConsumerError(*message);
        message.reset();
        return;
    }
    if (draining) {
        message.reset();
        return;  // stopping: not handled, offset not stored, the next owner reads it
    }
    const auto topic = topics.Index(rd_kafka_topic_name(message->rkt));
    if (!topic) {
        message.reset();
        return;  // not subscribed by us (cannot happen with a plain subscription)
    }
    if (partitions.Admit(*topic, message->partition, message->offset) != runner_detail::Admission::kTake) {
        // Not ours any more, blocked behind a held record (fetched again on resume) or a stale
        // copy from before a seek.
        message.reset();
        return;
    }
    if (fresh.violation) {
        // Dead-lettered or stored flagged invalid further on; either way the operator should see
        // that bad input arrives, without a line per record under a flood of it.
        std::uint64_t suppressed = 0;
        if (invalid_log.Allow(suppressed)) {
            spdlog::warn("kafka consumer {}: invalid record from {} [{}] @{}: {} ({} similar suppressed)", name,
                         topics[*topic].name, message->partition, message->offset, fresh.violation->ToString(),
                         suppressed);
        }
    }

    if (on_batch) {
        if (batch_count == 0) {
            batch_deadline = Clock::now() + batch_max_wait;
        }
        if (batch_count == batch.size()) {
            batch.emplace_back();
        }
        // Swapped, not copied: the staged slot gets the pool record's storage in exchange.
        std::swap(batch[batch_count++], fresh);
        if (batch_count >= batch_max_records) {
            DispatchBatch();
        }
        return;
    }
    ProcessFresh(std::span<Held>(&fresh, 1));
}

Delivery Runner::Impl::MakeDelivery(const Held& held, int attempt) const {
    const rd_kafka_message_t& message = *held.message;
    Delivery delivery;
    delivery.topic = topics[held.topic].name;
    delivery.partition = message.partition;
    delivery.offset = message.offset;
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    delivery.timestamp_ms = rd_kafka_message_timestamp(&message, &type);
    if (message.key != nullptr) {
        delivery.key = std::string_view(static_cast<const char*>(message.key), message.key_len);
    }
    delivery.headers = HeaderView(&message);
    delivery.attempt = attempt;
    return delivery;
}

runner_detail::Result Runner::Impl::Invoke(std::span<Held> records, int attempt, Failure& failure) {
    // Runs one handler call, mapping its outcome (or exception) to a result and the failure the
    // dead letter would carry (DESIGN.md §6).
    auto guarded = [&](auto&& call) -> Result {
        Result result = Result::kRetry;
        bool unexpected = false;
        try {
            const Outcome outcome = call();
            switch (outcome.GetKind()) {
                case Outcome::Kind::kOk:
                    return Result::kOk;
                case Outcome::Kind::kRetry:
                    SetFailure(failure, dlq_error::kRetriesExhausted, outcome.Reason(), "handler returned retry");
                    break;
                case Outcome::Kind::kDeadLetter:
                    SetFailure(failure, outcome.ErrorClass().empty() ? dlq_error::kDeadLetter : outcome.ErrorClass(),
                               outcome.Reason(), "handler returned dead_letter");
                    result = Result::kDeadLetter;
                    break;
            }
        } catch (const PermanentError& e) {
            SetFailure(failure, dlq_error::kPermanentError, e.what(), "handler threw PermanentError");
            result = Result::kDeadLetter;
        } catch (const RetryableError& e) {
            SetFailure(failure, dlq_error::kRetriesExhausted, e.what(), "handler threw RetryableError");
        } catch (const std::exception& e) {
            SetFailure(failure, dlq_error::kRetriesExhausted, e.what(), "handler threw an exception");
            unexpected = true;
        } catch (...) {
            SetFailure(failure, dlq_error::kRetriesExhausted, {}, "handler threw a non-standard exception");
            unexpected = true;
        }
        tally.Failed();
        LogFailure(records, attempt, result, failure, unexpected);
        return result;
    };

    const auto start = Clock::now();
    Result result = Result::kOk;
    if (on_batch) {
        batch_view.clear();
        for (Held& held : records) {
            const rd_kafka_message_t& message = *held.message;
            Record record;
            record.from = MakeDelivery(held, attempt);
            record.value =
                std::string_view(static_cast<const char*>(message.payload), message.payload ? message.len : 0);
            record.event = held.violation ? nullptr : &held.event;
            record.violation = held.violation ? &*held.violation : nullptr;
            batch_view.push_back(record);
        }
        result = guarded([&] { return on_batch(std::span<const Record>(batch_view)); });
    } else {
        Held& held = records.front();
        if (held.violation) {
            if (!on_invalid) {
                SetFailure(failure, dlq_error::kInvalidEvent, held.violation->ToString(), "invalid event");
                return Result::kDeadLetter;
            }
            const rd_kafka_message_t& message = *held.message;
            RawRecord raw{MakeDelivery(held, attempt), std::string_view(static_cast<const char*>(message.payload),
                                                                        message.payload ? message.len : 0)};
            result = guarded([&] { return on_invalid(raw, *held.violation); });
        } else {
            const auto slot = patterns.Find(held.event.event_type);
            if (!slot) {
                return Result::kSkipped;
            }
            const Delivery delivery = MakeDelivery(held, attempt);
            result = guarded([&] { return handlers[*slot](held.event, delivery); });
        }
    }
    topics[records.front().topic].metrics->processing.Observe(SecondsSince(start));
    return result;
}

void Runner::Impl::LogFailure(std::span<const Held> records, int attempt, Result result, const Failure& failure,
                              bool unexpected) {
    const Held& first = records.front();
    const std::string_view topic = topics[first.topic].name;
    std::uint64_t suppressed = 0;
    if (unexpected) {
        if (handler_log.Allow(suppressed)) {
            spdlog::error("kafka consumer {}: handler failed on {} [{}] @{}: {} ({} similar suppressed)", name, topic,
                          first.message->partition, first.message->offset, failure.message, suppressed);
        }
        return;
    }
    // Routine (a returned Retry or DeadLetter, a typed exception): warn, with the handler's reason.
    if (!outcome_log.Allow(suppressed)) {
        return;
    }
    if (result == Result::kDeadLetter) {
        spdlog::warn(
            "kafka consumer {}: dead letter of {} record(s) from {} [{}] @{} (attempt {}): {}: {} ({} similar "
            "suppressed)",
            name, records.size(), topic, first.message->partition, first.message->offset, attempt, failure.error_class,
            failure.message, suppressed);
    } else {
        spdlog::warn(
            "kafka consumer {}: retry of {} record(s) from {} [{}] @{} (attempt {}): {} ({} similar "
            "suppressed)",
            name, records.size(), topic, first.message->partition, first.message->offset, attempt, failure.message,
            suppressed);
    }
}

void Runner::Impl::ProcessFresh(std::span<Held> records) {
    Failure failure;
    const Result result = Invoke(records, 1, failure);
    if (result == Result::kOk || result == Result::kSkipped) {
        Complete(records, result);
        for (Held& held : records) {
            held.message.reset();
        }
        return;
    }
    Unit& unit = units.Hold(records);
    unit.attempts = 1;
    units.HandleFailure(unit, result, std::move(failure));
}

void Runner::Impl::RetryUnit(Unit& unit) {
    ++unit.attempts;
    Failure failure;
    const Result result = Invoke(unit.records, unit.attempts, failure);
    if (result == Result::kOk || result == Result::kSkipped) {
        Complete(unit.records, result);
        units.Release(unit);
        return;
    }
    units.HandleFailure(unit, result, std::move(failure));
}

void Runner::Impl::DispatchBatch() {
    const std::size_t count = batch_count;
    batch_count = 0;
    if (count > 0) {
        ProcessFresh(std::span<Held>(batch.data(), count));
    }
}

void Runner::Impl::Complete(std::span<Held> records, Result result) {
    const std::int64_t now_ms = WallClockMs();
    std::size_t invalid = 0;
    for (const Held& held : records) {
        partitions.Store(held);
        auto& metrics = *topics[held.topic].metrics;
        if (held.violation) {
            ++invalid;
            metrics.Unknown().Increment(Counted::kInvalid);
        } else {
            metrics.For(held.event.event_type).Increment(result == Result::kSkipped ? Counted::kSkipped : Counted::kOk);
        }
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        const std::int64_t timestamp = rd_kafka_message_timestamp(held.message.get(), &type);
        if (timestamp >= 0) {
            metrics.age.Observe(static_cast<double>(std::max<std::int64_t>(now_ms - timestamp, 0)) / 1000.0);
        }
    }
    if (result == Result::kSkipped) {
        tally.Skipped(records.size());
    } else {
        tally.Handled(records.size());
    }
    tally.Invalid(invalid);
}

}  // namespace cosmic::kafka
