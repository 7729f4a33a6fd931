// Assignment changes (eager and cooperative), synchronous commits with a deadline, consumer lag
// from statistics, and the shutdown sequence.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "runner_impl.hpp"

namespace cosmic::kafka {

using namespace runner_detail;  // the runner's private types (runner_impl.hpp)
namespace {

using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

PartitionList NewList(int size) {
    return PartitionList(rd_kafka_topic_partition_list_new(size), &rd_kafka_topic_partition_list_destroy);
}

int RemainingMs(Clock::time_point deadline, int cap_ms) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, cap_ms));
}

}  // namespace

void Runner::Impl::OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions) {
    // The protocol follows the chosen assignor: cooperative-sticky adds/removes partitions
    // incrementally, eager ones (range, roundrobin) replace the whole assignment.
    const char* protocol = rd_kafka_rebalance_protocol(consumer);
    const bool cooperative = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        OnAssigned(*partitions);
        KafkaError error = cooperative ? KafkaError::Consume(rd_kafka_incremental_assign(consumer, partitions))
                                       : KafkaError(rd_kafka_assign(consumer, partitions));
        if (error) {
            spdlog::error("kafka consumer {}: assign failed: {}", name, error.ToString());
        }
        ready.store(!stop_requested.load(std::memory_order_acquire), std::memory_order_release);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        OnRevoked(*partitions, rd_kafka_assignment_lost(consumer) != 0);
        KafkaError error = cooperative ? KafkaError::Consume(rd_kafka_incremental_unassign(consumer, partitions))
                                       : KafkaError(rd_kafka_assign(consumer, nullptr));
        if (error) {
            spdlog::error("kafka consumer {}: unassign failed: {}", name, error.ToString());
        }
    } else {
        spdlog::error("kafka consumer {}: rebalance error: {}", name, rd_kafka_err2str(err));
        OnRevoked(*partitions, true);
        rd_kafka_assign(consumer, nullptr);
    }
    PublishAssignment();
}

void Runner::Impl::OnAssigned(const rd_kafka_topic_partition_list_t& partitions) {
    for (int i = 0; i < partitions.cnt; ++i) {
        const auto& element = partitions.elems[i];
        const auto topic = TopicIndex(element.topic);
        if (!topic || element.partition < 0) {
            continue;
        }
        auto& states = topics[*topic].partitions;
        if (static_cast<std::size_t>(element.partition) >= states.size()) {
            states.resize(static_cast<std::size_t>(element.partition) + 1);
        }
        PartitionState& state = states[static_cast<std::size_t>(element.partition)];
        state = PartitionState{};
        state.assigned = true;
    }
    spdlog::info("kafka consumer {}: assigned {} partition(s)", name, partitions.cnt);
}

void Runner::Impl::OnRevoked(const rd_kafka_topic_partition_list_t& partitions, bool lost) {
    std::set<std::pair<std::size_t, std::int32_t>> revoked;
    for (int i = 0; i < partitions.cnt; ++i) {
        if (const auto topic = TopicIndex(partitions.elems[i].topic)) {
            revoked.emplace(*topic, partitions.elems[i].partition);
        }
    }
    auto is_revoked = [&](const Held& held) { return revoked.count({held.topic, held.message->partition}) > 0; };
    auto touches = [&](const Unit& unit) { return std::any_of(unit.records.begin(), unit.records.end(), is_revoked); };
    auto deadline = Clock::now() + options.revoke_timeout;
    if (stop_requested.load(std::memory_order_acquire)) {
        deadline = std::min(deadline, StopDeadline());
    }

    if (!lost) {
        // Finish in-flight work first: the open batch is handled now, dead letters on their
        // way get their acknowledgements, so their offsets make it into the commit below.
        if (std::any_of(batch.begin(), batch.begin() + static_cast<std::ptrdiff_t>(batch_count), is_revoked)) {
            DispatchBatch();
        }
        WaitForDeadLetters(touches, deadline);
    } else {
        batch_count = 0;  // lost: another member may already own these partitions
        for (Held& held : batch) {
            held.message.reset();
        }
    }
    // Records still held for these partitions are given up (offsets not stored): the next
    // owner reads them again. Other partitions of the same unit rewind to them.
    std::vector<std::uint64_t> abandoned;
    for (const auto& [id, unit] : units) {
        if (touches(unit)) {
            abandoned.push_back(id);
        }
    }
    for (std::uint64_t id : abandoned) {
        Abandon(units.at(id));
    }

    if (!lost) {
        PartitionList commit = NewList(static_cast<int>(revoked.size()));
        for (const auto& [topic, partition] : revoked) {
            const PartitionState* state = Partition(topic, partition);
            if (state != nullptr && state->assigned && state->stored_next >= 0) {
                rd_kafka_topic_partition_list_add(commit.get(), topics[topic].name.c_str(), partition)->offset =
                    state->stored_next;
            }
        }
        const rd_kafka_resp_err_t err = CommitSync(commit.get(), deadline);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::warn("kafka consumer {}: commit on revoke failed: {}", name, rd_kafka_err2str(err));
        }
    }
    for (const auto& [topic, partition] : revoked) {
        if (PartitionState* state = Partition(topic, partition)) {
            *state = PartitionState{};
        }
        RemoveLagGauge(topic, partition);
    }
    spdlog::info("kafka consumer {}: {} {} partition(s)", name, lost ? "lost" : "revoked", partitions.cnt);
}

void Runner::Impl::Abandon(Unit& unit) {
    std::map<std::pair<std::size_t, std::int32_t>, std::int64_t> first_offset;
    for (const Held& held : unit.records) {
        auto [it, inserted] = first_offset.try_emplace({held.topic, held.message->partition}, held.message->offset);
        if (!inserted) {
            it->second = std::min(it->second, held.message->offset);
        }
    }
    PartitionList seek = NewList(static_cast<int>(first_offset.size()));
    PartitionList resume = NewList(static_cast<int>(first_offset.size()));
    for (const auto& [key, offset] : first_offset) {
        PartitionState* state = Partition(key.first, key.second);
        if (state == nullptr || state->unit != unit.id) {
            continue;
        }
        const char* topic = topics[key.first].name.c_str();
        if (state->paused && state->assigned) {
            // Read the abandoned records again (if the partition stays ours) and never leave a
            // partition paused behind: a later assignment must start fetching.
            rd_kafka_topic_partition_list_add(seek.get(), topic, key.second)->offset = offset;
            rd_kafka_topic_partition_list_add(resume.get(), topic, key.second);
        }
        state->unit = 0;
        state->paused = false;
        state->needs_seek = false;
        state->last_offset = offset - 1;
    }
    if (seek->cnt > 0) {
        if (KafkaError error = KafkaError::Consume(rd_kafka_seek_partitions(consumer, seek.get(), 0))) {
            spdlog::warn("kafka consumer {}: seek back failed: {}", name, error.ToString());
        }
    }
    if (resume->cnt > 0) {
        rd_kafka_resume_partitions(consumer, resume.get());
    }
    units.erase(unit.id);
}

rd_kafka_resp_err_t Runner::Impl::CommitSync(const rd_kafka_topic_partition_list_t* offsets,
                                             Clock::time_point deadline) {
    if (offsets == nullptr || offsets->cnt == 0) {
        return RD_KAFKA_RESP_ERR_NO_ERROR;
    }
    // rd_kafka_commit(sync) could block far beyond a shutdown deadline when the coordinator is
    // away; a private queue lets us stop waiting at the deadline.
    rd_kafka_queue_t* queue = rd_kafka_queue_new(consumer);
    rd_kafka_resp_err_t err = rd_kafka_commit_queue(consumer, offsets, queue, nullptr, nullptr);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = RD_KAFKA_RESP_ERR__TIMED_OUT;
        while (Clock::now() < deadline) {
            rd_kafka_event_t* event = rd_kafka_queue_poll(queue, RemainingMs(deadline, 100));
            if (event == nullptr) {
                continue;
            }
            const bool done = rd_kafka_event_type(event) == RD_KAFKA_EVENT_OFFSET_COMMIT;
            if (done) {
                err = rd_kafka_event_error(event);
                // The request can succeed while single partitions fail (e.g. a rebalance began).
                const rd_kafka_topic_partition_list_t* result = rd_kafka_event_topic_partition_list(event);
                for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && result != nullptr && i < result->cnt; ++i) {
                    err = result->elems[i].err;
                }
            }
            rd_kafka_event_destroy(event);
            if (done) {
                break;
            }
        }
    }
    rd_kafka_queue_destroy(queue);
    return err == RD_KAFKA_RESP_ERR__NO_OFFSET ? RD_KAFKA_RESP_ERR_NO_ERROR : err;
}

rd_kafka_resp_err_t Runner::Impl::CommitStored(Clock::time_point deadline) {
    for (;;) {
        PartitionList commit = NewList(8);
        for (const TopicState& topic : topics) {
            for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
                const PartitionState& state = topic.partitions[p];
                if (state.assigned && state.stored_next >= 0) {
                    rd_kafka_topic_partition_list_add(commit.get(), topic.name.c_str(), static_cast<std::int32_t>(p))
                        ->offset = state.stored_next;
                }
            }
        }
        const rd_kafka_resp_err_t err = CommitSync(commit.get(), deadline);
        const bool transient = IsRetriable(err) || err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION;
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR || !transient || Clock::now() + options.poll_timeout >= deadline) {
            return err;
        }
        // Let librdkafka rejoin the group (heartbeats, rebalance callbacks) before trying again.
        const auto next_try = std::min(deadline, Clock::now() + std::chrono::milliseconds(100));
        while (Clock::now() < next_try) {
            if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, RemainingMs(next_try, 100))) {
                Intake(MessagePtr(message));
            }
        }
    }
}

void Runner::Impl::OnStats(std::string_view json) {
    auto parsed = ParseConsumerLag(json);
    if (!parsed) {
        return;
    }
    LagSnapshot snapshot;
    snapshot.known = true;
    for (ConsumerLag& entry : *parsed) {
        const auto topic = TopicIndex(entry.topic);
        const PartitionState* state = topic ? Partition(*topic, entry.partition) : nullptr;
        if (state == nullptr || !state->assigned) {
            continue;  // librdkafka still reports partitions it knew before a revoke
        }
        families.lag.Add({{"topic", entry.topic}, {"partition", std::to_string(entry.partition)}})
            .Set(static_cast<double>(entry.lag));
        lag_gauges.emplace(*topic, entry.partition);
        snapshot.total += entry.lag;
        snapshot.partitions.push_back(std::move(entry));
    }
    std::lock_guard lock(snapshot_mutex);
    lag = std::move(snapshot);
}

void Runner::Impl::RemoveLagGauge(std::size_t topic, std::int32_t partition) {
    if (lag_gauges.erase({topic, partition}) == 0) {
        return;
    }
    auto& gauge = families.lag.Add({{"topic", topics[topic].name}, {"partition", std::to_string(partition)}});
    families.lag.Remove(&gauge);
}

void Runner::Impl::PublishAssignment() {
    std::vector<TopicPartition> current;
    for (const TopicState& topic : topics) {
        for (std::size_t p = 0; p < topic.partitions.size(); ++p) {
            if (topic.partitions[p].assigned) {
                current.push_back(TopicPartition{topic.name, static_cast<std::int32_t>(p)});
            }
        }
    }
    std::sort(current.begin(), current.end());
    std::lock_guard lock(snapshot_mutex);
    assignment = std::move(current);
    std::erase_if(lag.partitions, [&](const ConsumerLag& entry) {
        return !std::binary_search(assignment.begin(), assignment.end(), TopicPartition{entry.topic, entry.partition});
    });
    lag.total = 0;
    for (const auto& entry : lag.partitions) {
        lag.total += entry.lag;
    }
}

void Runner::Impl::Shutdown() {
    ready.store(false, std::memory_order_release);
    const auto deadline = StopDeadline();
    // 1. Finish in-flight work: the open batch, and dead letters already on their way.
    DispatchBatch();
    WaitForDeadLetters([](const Unit&) { return true; }, deadline);
    // 2. Give up records still waiting for a retry (not stored: read again after restart).
    while (!units.empty()) {
        Abandon(units.begin()->second);
    }
    // 3. Commit what was stored.
    draining = true;
    if (const rd_kafka_resp_err_t err = CommitStored(deadline); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::warn("kafka consumer {}: final commit failed: {}", name, rd_kafka_err2str(err));
        clean_stop = false;
    }
    // 4. Leave the group. The close runs in the background; we serve its queue until it is done
    // or the deadline passes. The queue also carries records fetched for a late assignment, so it
    // is served as events: rebalances are handled, everything else is dropped (not stored).
    rd_kafka_queue_t* close_queue = rd_kafka_queue_new(consumer);
    if (KafkaError error = KafkaError::Consume(rd_kafka_consumer_close_queue(consumer, close_queue))) {
        spdlog::warn("kafka consumer {}: close failed: {}", name, error.ToString());
    } else {
        while (rd_kafka_consumer_closed(consumer) == 0 && Clock::now() < deadline) {
            rd_kafka_event_t* event = rd_kafka_queue_poll(close_queue, RemainingMs(deadline, 100));
            if (event == nullptr) {
                continue;
            }
            if (rd_kafka_event_type(event) == RD_KAFKA_EVENT_REBALANCE) {
                OnRebalance(rd_kafka_event_error(event), rd_kafka_event_topic_partition_list(event));
            }
            rd_kafka_event_destroy(event);
        }
    }
    const bool closed = rd_kafka_consumer_closed(consumer) != 0;
    rd_kafka_queue_destroy(close_queue);
    // 5. Flush the dead-letter producer within what is left of the deadline.
    if (dlq) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (dlq->Close(std::max(left, std::chrono::milliseconds(0))) > 0) {
            clean_stop = false;
        }
    }
    FlushMetrics();
    // 6. Release everything that refers to the consumer, then the consumer itself.
    single.message.reset();
    for (Held& held : batch) {
        held.message.reset();
    }
    for (const auto& [topic, partition] : std::set(lag_gauges)) {
        RemoveLagGauge(topic, partition);
    }
    {
        std::lock_guard lock(reports_mutex);
        rd_kafka_queue_destroy(consumer_queue);
        consumer_queue = nullptr;
    }
    {
        std::lock_guard lock(snapshot_mutex);
        assignment.clear();
        lag = LagSnapshot{};
    }
    if (closed) {
        rd_kafka_destroy(consumer);
        spdlog::info("kafka consumer {} stopped", name);
    } else {
        clean_stop = false;
        spdlog::warn("kafka consumer {}: shutdown deadline passed before the group was left", name);
        rd_kafka_destroy_flags(consumer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    consumer = nullptr;
    dlq.reset();
}

}  // namespace cosmic::kafka
