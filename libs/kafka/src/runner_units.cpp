// Held records: in-place retries with backoff, dead letters and their acknowledgements, and the
// pause/resume of the partitions they block.

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cosmic/kafka/dlq.hpp"
#include "runner_impl.hpp"

namespace cosmic::kafka {

using namespace runner_detail;  // the runner's private types (runner_impl.hpp)
namespace {

using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList NewList(int size) {
    return PartitionList(rd_kafka_topic_partition_list_new(size), &rd_kafka_topic_partition_list_destroy);
}

std::string_view Value(const rd_kafka_message_t& message) {
    return {static_cast<const char*>(message.payload), message.payload ? message.len : 0};
}

std::int64_t WallClockMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace

runner_detail::Unit& Runner::Impl::Hold(std::span<Held> records) {
    const std::uint64_t id = next_unit_id++;
    Unit& unit = units[id];
    unit.id = id;
    unit.records.reserve(records.size());
    PartitionList pause = NewList(1);
    for (Held& held : records) {
        PartitionState* state = Partition(held.topic, held.message->partition);
        if (state != nullptr && state->unit != id) {
            state->unit = id;
            if (!state->paused) {
                state->paused = true;
                rd_kafka_topic_partition_list_add(pause.get(), topics[held.topic].name.c_str(),
                                                  held.message->partition);
            }
        }
        unit.records.push_back(std::move(held));
    }
    if (pause->cnt > 0) {
        // Stops fetching and drops what was already fetched for these partitions; fetching
        // resumes after the last record handed to us, so nothing is skipped or reordered.
        const rd_kafka_resp_err_t err = rd_kafka_pause_partitions(consumer, pause.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::error("kafka consumer {}: pause failed: {}", name, rd_kafka_err2str(err));
        }
    }
    return unit;
}

void Runner::Impl::Release(Unit& unit) {
    // Offsets are stored before any seek below, as librdkafka asks (a store after a seek can
    // interfere with resuming the partition).
    FlushOffsets();
    PartitionList resume = NewList(1);
    PartitionList seek = NewList(1);
    for (const Held& held : unit.records) {
        PartitionState* state = Partition(held.topic, held.message->partition);
        if (state == nullptr || state->unit != unit.id) {
            continue;  // already released for an earlier record of the same partition
        }
        state->unit = 0;
        if (state->paused && state->assigned) {
            const char* topic = topics[held.topic].name.c_str();
            if (state->needs_seek) {
                rd_kafka_topic_partition_list_add(seek.get(), topic, held.message->partition)->offset =
                    state->last_offset + 1;
            }
            rd_kafka_topic_partition_list_add(resume.get(), topic, held.message->partition);
        }
        state->paused = false;
        state->needs_seek = false;
    }
    if (seek->cnt > 0) {
        // Asynchronous seek: it is queued before the resume below, so it applies first.
        if (KafkaError error = KafkaError::Consume(rd_kafka_seek_partitions(consumer, seek.get(), 0))) {
            spdlog::error("kafka consumer {}: seek before resume failed: {}", name, error.ToString());
        }
    }
    if (resume->cnt > 0) {
        const rd_kafka_resp_err_t err = rd_kafka_resume_partitions(consumer, resume.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::error("kafka consumer {}: resume failed: {}", name, rd_kafka_err2str(err));
        }
    }
    units.erase(unit.id);  // `unit` is gone from here on
}

void Runner::Impl::StoreOffset(const Held& held) {
    const rd_kafka_message_t& message = *held.message;
    PartitionState* state = Partition(held.topic, message.partition);
    if (defer_offsets && state != nullptr && state->assigned) {
        if (state->pending_next < 0) {
            pending_offsets.emplace_back(held.topic, message.partition);
        }
        state->pending_next = std::max(state->pending_next, message.offset + 1);
        return;
    }
    // Stores offset + 1 (the next record to read); fails for a partition no longer assigned.
    const rd_kafka_resp_err_t err = rd_kafka_offset_store(message.rkt, message.partition, message.offset);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::uint64_t suppressed = 0;
        if (offset_log.Allow(suppressed)) {
            spdlog::warn("kafka consumer {}: cannot store offset {} of {} [{}]: {} ({} similar suppressed)", name,
                         message.offset, topics[held.topic].name, message.partition, rd_kafka_err2str(err), suppressed);
        }
        return;
    }
    if (state != nullptr) {
        state->stored_next = std::max(state->stored_next, message.offset + 1);
    }
}

void Runner::Impl::FlushOffsets() noexcept {
    if (pending_offsets.empty()) {
        return;
    }
    PartitionList list = NewList(static_cast<int>(pending_offsets.size()));
    for (const auto& [topic, partition] : pending_offsets) {
        PartitionState* state = Partition(topic, partition);
        if (state == nullptr || state->pending_next < 0) {
            continue;
        }
        // Never move a stored offset back (a record stored on its own may have gone further).
        if (state->pending_next > state->stored_next) {
            rd_kafka_topic_partition_list_add(list.get(), topics[topic].name.c_str(), partition)->offset =
                state->pending_next;
        }
        state->pending_next = -1;
    }
    pending_offsets.clear();
    if (list->cnt == 0) {
        return;
    }
    // Stored as given (the next offset to read); per-partition errors are in each element.
    rd_kafka_offsets_store(consumer, list.get());
    for (int i = 0; i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& element = list->elems[i];
        const auto topic = TopicIndex(element.topic);
        PartitionState* state = topic ? Partition(*topic, element.partition) : nullptr;
        if (element.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (state != nullptr) {
                state->stored_next = std::max(state->stored_next, element.offset);
            }
            continue;
        }
        std::uint64_t suppressed = 0;
        if (offset_log.Allow(suppressed)) {
            spdlog::warn("kafka consumer {}: cannot store offset {} of {} [{}]: {} ({} similar suppressed)", name,
                         element.offset - 1, element.topic, element.partition, rd_kafka_err2str(element.err),
                         suppressed);
        }
    }
}

void Runner::Impl::RetryUnit(Unit& unit) {
    ++unit.attempts;
    Failure failure;
    const Result result = Invoke(unit.records, unit.attempts, failure);
    switch (result) {
        case Result::kOk:
        case Result::kSkipped:
            Complete(unit.records, result);
            Release(unit);
            return;
        case Result::kRetry:
            if (unit.attempts < options.retry.max_attempts) {
                CountRetry(unit.records);
                unit.failure = std::move(failure);
                unit.due = Clock::now() + backoff.Next(unit.attempts);
                return;
            }
            break;
        case Result::kDeadLetter:
            break;
    }
    StartDeadLetter(unit, std::move(failure));
}

void Runner::Impl::StartDeadLetter(Unit& unit, Failure failure) {
    unit.failure = std::move(failure);
    if (dlq) {
        SendDeadLetters(unit);
        return;
    }
    // Dead-letter topic turned off: the record is dropped, visibly.
    std::uint64_t suppressed = 0;
    if (dlq_log.Allow(suppressed)) {
        spdlog::error(
            "kafka consumer {}: dropping {} record(s) of {} ({}: {}); dead-letter topic disabled "
            "({} similar suppressed)",
            name, unit.records.size(), topics[unit.records.front().topic].name, unit.failure.error_class,
            unit.failure.message, suppressed);
    }
    FinishDeadLetters(unit, false);
    Release(unit);
}

void Runner::Impl::FinishDeadLetters(const Unit& unit, bool acknowledged) {
    std::size_t invalid = 0;
    for (const Held& held : unit.records) {
        StoreOffset(held);
        const auto& metrics = *topics[held.topic].metrics;
        (held.violation ? metrics.Unknown() : metrics.For(held.event.event_type))
            .Increment(held.violation ? Counted::kInvalid : Counted::kDeadLetter);
        if (acknowledged) {
            metrics.dlq.Increment();
        }
        invalid += held.violation ? 1 : 0;
    }
    tally.DeadLettered(unit.records.size());
    tally.Invalid(invalid);
}

void Runner::Impl::SendDeadLetters(Unit& unit) {
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
        const TopicState& topic = topics[held.topic];
        DeadLetterInfo info;
        info.topic = topic.name;
        info.partition = message.partition;
        info.offset = message.offset;
        rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
        info.timestamp_ms = rd_kafka_message_timestamp(&message, &type);
        info.consumer_group = options.group_id;
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
        KafkaError error = dlq->Send(out, [this, id = unit.id, i](const DeliveryReport& report) {
            PostReport(DlqReport{id, i, report.error});
        });
        if (error) {
            --unit.dlq_pending;
            unit.dlq_failed = true;
            std::uint64_t suppressed = 0;
            if (dlq_log.Allow(suppressed)) {
                spdlog::error("kafka consumer {}: cannot queue dead letter for {}: {} ({} similar suppressed)", name,
                              topic.dlq_name, error.ToString(), suppressed);
            }
        }
    }
    if (unit.dlq_pending == 0) {
        // Nothing in flight: every send failed at once. Back off and try again.
        unit.phase = Phase::kDlqRetryWait;
        unit.due = Clock::now() + backoff.Next(unit.dlq_attempts);
    }
}

void Runner::Impl::PostReport(DlqReport report) {
    {
        std::lock_guard lock(reports_mutex);
        reports.push_back(std::move(report));
        if (consumer_queue != nullptr) {
            rd_kafka_queue_yield(consumer_queue);  // wake the consumer thread now, not at its poll timeout
        }
    }
    reports_cv.notify_all();
}

void Runner::Impl::ServiceReports() {
    {
        std::lock_guard lock(reports_mutex);
        if (reports.empty()) {
            return;
        }
        reports_in_hand.swap(reports);
    }
    for (DlqReport& report : reports_in_hand) {
        auto it = units.find(report.unit);
        if (it == units.end() || it->second.phase != Phase::kDlqInFlight) {
            continue;  // the unit was abandoned (revoke, shutdown)
        }
        Unit& unit = it->second;
        if (report.error) {
            unit.dlq_failed = true;
            std::uint64_t suppressed = 0;
            if (dlq_log.Allow(suppressed)) {
                spdlog::error(
                    "kafka consumer {}: dead letter to {} failed: {}; offset not stored, will retry "
                    "({} similar suppressed)",
                    name, topics[unit.records.front().topic].dlq_name, report.error.ToString(), suppressed);
            }
        } else {
            unit.records[report.index].dlq_acked = true;
        }
        if (--unit.dlq_pending > 0) {
            continue;
        }
        if (unit.dlq_failed) {
            unit.phase = Phase::kDlqRetryWait;
            unit.due = Clock::now() + backoff.Next(unit.dlq_attempts);
            continue;
        }
        // Every dead letter is acknowledged: now the offsets may move past the records.
        FinishDeadLetters(unit, true);
        Release(unit);
    }
    reports_in_hand.clear();
}

void Runner::Impl::ServiceDueUnits(Clock::time_point now) {
    std::vector<std::uint64_t> due;
    for (const auto& [id, unit] : units) {
        if (unit.phase != Phase::kDlqInFlight && unit.due <= now) {
            due.push_back(id);
        }
    }
    for (std::uint64_t id : due) {
        auto it = units.find(id);
        if (it == units.end()) {
            continue;
        }
        if (it->second.phase == Phase::kRetryWait) {
            RetryUnit(it->second);
        } else {
            SendDeadLetters(it->second);
        }
    }
}

bool Runner::Impl::WaitForDeadLetters(const std::function<bool(const Unit&)>& relevant, Clock::time_point deadline) {
    for (;;) {
        ServiceReports();
        const bool pending = std::any_of(units.begin(), units.end(), [&](const auto& entry) {
            return entry.second.phase == Phase::kDlqInFlight && relevant(entry.second);
        });
        if (!pending) {
            return true;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        std::unique_lock lock(reports_mutex);
        reports_cv.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)),
                              [this] { return !reports.empty(); });
    }
}

}  // namespace cosmic::kafka
