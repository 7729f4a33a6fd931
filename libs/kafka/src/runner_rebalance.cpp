// Assignment changes (eager and cooperative), synchronous commits with a deadline, and the
// shutdown sequence: the steps that involve every part of the runner at once.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "runner_impl.hpp"

namespace cosmic::kafka {

using namespace runner_detail;  // the runner's private types (runner_impl.hpp)
namespace {

int RemainingMs(Clock::time_point deadline, int cap_ms) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::clamp<std::int64_t>(left, 0, cap_ms));
}

}  // namespace

void Runner::Impl::OnRebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* changed) {
    // The protocol follows the chosen assignor: cooperative-sticky adds/removes partitions
    // incrementally, eager ones (range, roundrobin) replace the whole assignment.
    const char* protocol = rd_kafka_rebalance_protocol(consumer);
    const bool cooperative = protocol != nullptr && std::strcmp(protocol, "COOPERATIVE") == 0;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        OnAssigned(*changed);
        KafkaError error = cooperative ? KafkaError::Consume(rd_kafka_incremental_assign(consumer, changed))
                                       : KafkaError(rd_kafka_assign(consumer, changed));
        if (error) {
            spdlog::error("kafka consumer {}: assign failed: {}", name, error.ToString());
        }
        ready.store(!stop_requested.load(std::memory_order_acquire), std::memory_order_release);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        OnRevoked(*changed, rd_kafka_assignment_lost(consumer) != 0);
        KafkaError error = cooperative ? KafkaError::Consume(rd_kafka_incremental_unassign(consumer, changed))
                                       : KafkaError(rd_kafka_assign(consumer, nullptr));
        if (error) {
            spdlog::error("kafka consumer {}: unassign failed: {}", name, error.ToString());
        }
    } else {
        spdlog::error("kafka consumer {}: rebalance error: {}", name, rd_kafka_err2str(err));
        OnRevoked(*changed, true);
        rd_kafka_assign(consumer, nullptr);
    }
    PublishAssignment();
}

void Runner::Impl::OnAssigned(const rd_kafka_topic_partition_list_t& assigned) {
    partitions.Assign(assigned);
    spdlog::info("kafka consumer {}: assigned {} partition(s)", name, assigned.cnt);
    if (partitions.HoldsLostOffsets()) {
        // The rejoin after a refused final commit: what it gave back is ours to commit again.
        const std::size_t restored = partitions.RestoreKeptOffsets();
        spdlog::info("kafka consumer {}: rejoined while stopping, {} partition(s) with handled records kept", name,
                     restored);
    }
}

void Runner::Impl::OnRevoked(const rd_kafka_topic_partition_list_t& taken, bool lost) {
    std::set<PartitionKey> revoked;
    for (int i = 0; i < taken.cnt; ++i) {
        if (const auto topic = topics.Index(taken.elems[i].topic)) {
            revoked.emplace(*topic, taken.elems[i].partition);
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
        units.WaitForDeadLetters(touches, deadline);
    } else {
        batch_count = 0;  // lost: another member may already own these partitions
        for (Held& held : batch) {
            held.message.reset();
        }
    }
    // Records still held for these partitions are given up (offsets not stored): the next
    // owner reads them again. Other partitions of the same unit rewind to them.
    units.AbandonWhere(touches);

    if (!lost) {
        const PartitionList commit = partitions.StoredOffsets(&revoked);
        const rd_kafka_resp_err_t err = CommitSync(commit.get(), deadline);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::warn("kafka consumer {}: commit on revoke failed: {}", name, rd_kafka_err2str(err));
        }
    }
    if (lost && draining) {
        // Stopping, and the commit was refused for a stale generation: librdkafka rejoins, and
        // CommitStored commits these offsets if the new generation gives the partitions back.
        partitions.KeepLostOffsets(revoked);
    }
    for (const PartitionKey& key : revoked) {
        partitions.Forget(key);
        lag.Remove(key);
    }
    spdlog::info("kafka consumer {}: {} {} partition(s)", name, lost ? "lost" : "revoked", taken.cnt);
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
    // The close after this commit needs time of its own (revoke, LeaveGroup): retries stop a
    // quarter of the remaining time before the deadline.
    const auto last_try = deadline - (deadline - Clock::now()) / 4;
    for (;;) {
        const PartitionList commit = partitions.StoredOffsets();
        const rd_kafka_resp_err_t err = CommitSync(commit.get(), deadline);
        // ILLEGAL_GENERATION: the group moved on without this member; librdkafka treats the
        // assignment as lost and rejoins. OnRevoked keeps the handled offsets meanwhile, and the
        // next try commits those of the partitions the new generation gives back.
        const bool transient = IsRetriable(err) || err == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION;
        const bool again = (err != RD_KAFKA_RESP_ERR_NO_ERROR && transient) || partitions.HoldsLostOffsets();
        if (!again || Clock::now() + options.poll_timeout >= last_try) {
            return err;
        }
        // Let librdkafka rejoin the group (heartbeats, rebalance callbacks) before trying again.
        const auto next_try = std::min(last_try, Clock::now() + std::chrono::milliseconds(100));
        while (Clock::now() < next_try) {
            if (rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, RemainingMs(next_try, 100))) {
                Intake(MessagePtr(message));
            }
        }
    }
}

void Runner::Impl::PublishAssignment() { lag.Retain(partitions.Publish()); }

void Runner::Impl::Shutdown() {
    ready.store(false, std::memory_order_release);
    const auto deadline = StopDeadline();
    // 1. Finish in-flight work: the open batch, and dead letters already on their way.
    DispatchBatch();
    units.WaitForDeadLetters([](const Unit&) { return true; }, deadline);
    // 2. Give up records still waiting for a retry (not stored: read again after restart).
    units.AbandonAll();
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
    fetch_kicker.Attach(nullptr);
    rd_kafka_queue_destroy(close_queue);
    // 5. Flush the dead-letter producer within what is left of the deadline.
    if (!units.CloseDeadLetterProducer(
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()))) {
        clean_stop = false;
    }
    FlushMetrics();
    // 6. Release everything that refers to the consumer, then the consumer itself.
    single.message.reset();
    for (Held& held : batch) {
        held.message.reset();
    }
    lag.RemoveAll();
    waker.Set(nullptr);
    rd_kafka_queue_destroy(consumer_queue);
    consumer_queue = nullptr;
    partitions.ClearAssignment();
    lag.Clear();
    if (closed) {
        rd_kafka_destroy(consumer);
        spdlog::info("kafka consumer {} stopped", name);
    } else {
        clean_stop = false;
        spdlog::warn("kafka consumer {}: shutdown deadline passed before the group was left", name);
        rd_kafka_destroy_flags(consumer, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    }
    partitions.Attach(nullptr);
    consumer = nullptr;
    units.DestroyDeadLetterProducer();
}

}  // namespace cosmic::kafka
