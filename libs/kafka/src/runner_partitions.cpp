#include "runner_partitions.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "cosmic/kafka/errors.hpp"

namespace cosmic::kafka::runner_detail {

PartitionTable::PartitionTable(const TopicTable& topics, const std::string& name)
    : topics_(topics), name_(name), states_(topics.Size()) {}

void PartitionTable::Assign(const rd_kafka_topic_partition_list_t& partitions) {
    for (int i = 0; i < partitions.cnt; ++i) {
        const auto& element = partitions.elems[i];
        const auto topic = topics_.Index(element.topic);
        if (!topic || element.partition < 0) {
            continue;
        }
        auto& states = states_[*topic];
        if (static_cast<std::size_t>(element.partition) >= states.size()) {
            states.resize(static_cast<std::size_t>(element.partition) + 1);
        }
        PartitionState& state = states[static_cast<std::size_t>(element.partition)];
        state = PartitionState{};
        state.assigned = true;
    }
}

void PartitionTable::Forget(PartitionKey key) {
    if (PartitionState* state = Find(key.first, key.second)) {
        *state = PartitionState{};
    }
}

bool PartitionTable::Assigned(PartitionKey key) const noexcept {
    const PartitionState* state = Find(key.first, key.second);
    return state != nullptr && state->assigned;
}

std::vector<TopicPartition> PartitionTable::Publish() {
    std::vector<TopicPartition> current;
    for (std::size_t t = 0; t < states_.size(); ++t) {
        for (std::size_t p = 0; p < states_[t].size(); ++p) {
            if (states_[t][p].assigned) {
                current.push_back(TopicPartition{topics_[t].name, static_cast<std::int32_t>(p)});
            }
        }
    }
    std::sort(current.begin(), current.end());
    std::lock_guard lock(snapshot_mutex_);
    assignment_ = current;
    return current;
}

std::vector<TopicPartition> PartitionTable::Assignment() const {
    std::lock_guard lock(snapshot_mutex_);
    return assignment_;
}

void PartitionTable::ClearAssignment() {
    std::lock_guard lock(snapshot_mutex_);
    assignment_.clear();
}

void PartitionTable::Pause(std::span<const Held> records, std::uint64_t unit) {
    PartitionList pause = NewPartitionList(1);
    for (const Held& held : records) {
        PartitionState* state = Find(held.topic, held.message->partition);
        if (state != nullptr && state->unit != unit) {
            state->unit = unit;
            if (!state->paused) {
                state->paused = true;
                rd_kafka_topic_partition_list_add(pause.get(), topics_[held.topic].name.c_str(),
                                                  held.message->partition);
            }
        }
    }
    if (pause->cnt > 0) {
        // Stops fetching and drops what was already fetched for these partitions; fetching
        // resumes after the last record handed to us, so nothing is skipped or reordered.
        const rd_kafka_resp_err_t err = rd_kafka_pause_partitions(consumer_, pause.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::error("kafka consumer {}: pause failed: {}", name_, rd_kafka_err2str(err));
        }
    }
}

void PartitionTable::Resume(std::span<const Held> records, std::uint64_t unit) {
    // Offsets are stored before any seek below, as librdkafka asks (a store after a seek can
    // interfere with resuming the partition).
    FlushStores();
    PartitionList resume = NewPartitionList(1);
    PartitionList seek = NewPartitionList(1);
    for (const Held& held : records) {
        PartitionState* state = Find(held.topic, held.message->partition);
        if (state == nullptr || state->unit != unit) {
            continue;  // already released for an earlier record of the same partition
        }
        state->unit = 0;
        if (state->paused && state->assigned) {
            const char* topic = topics_[held.topic].name.c_str();
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
        if (KafkaError error = KafkaError::Consume(rd_kafka_seek_partitions(consumer_, seek.get(), 0))) {
            spdlog::error("kafka consumer {}: seek before resume failed: {}", name_, error.ToString());
        }
    }
    if (resume->cnt > 0) {
        const rd_kafka_resp_err_t err = rd_kafka_resume_partitions(consumer_, resume.get());
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            spdlog::error("kafka consumer {}: resume failed: {}", name_, rd_kafka_err2str(err));
        }
    }
}

void PartitionTable::Rewind(std::span<const Held> records, std::uint64_t unit) {
    std::map<PartitionKey, std::int64_t> first_offset;
    for (const Held& held : records) {
        auto [it, inserted] = first_offset.try_emplace({held.topic, held.message->partition}, held.message->offset);
        if (!inserted) {
            it->second = std::min(it->second, held.message->offset);
        }
    }
    PartitionList seek = NewPartitionList(static_cast<int>(first_offset.size()));
    PartitionList resume = NewPartitionList(static_cast<int>(first_offset.size()));
    for (const auto& [key, offset] : first_offset) {
        PartitionState* state = Find(key.first, key.second);
        if (state == nullptr || state->unit != unit) {
            continue;
        }
        const char* topic = topics_[key.first].name.c_str();
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
        if (KafkaError error = KafkaError::Consume(rd_kafka_seek_partitions(consumer_, seek.get(), 0))) {
            spdlog::warn("kafka consumer {}: seek back failed: {}", name_, error.ToString());
        }
    }
    if (resume->cnt > 0) {
        rd_kafka_resume_partitions(consumer_, resume.get());
    }
}

void PartitionTable::Store(const Held& held) {
    const rd_kafka_message_t& message = *held.message;
    PartitionState* state = Find(held.topic, message.partition);
    if (defer_ && state != nullptr && state->assigned) {
        if (state->pending_next < 0) {
            pending_.emplace_back(held.topic, message.partition);
        }
        state->pending_next = std::max(state->pending_next, message.offset + 1);
        return;
    }
    // Stores offset + 1 (the next record to read); fails for a partition no longer assigned.
    const rd_kafka_resp_err_t err = rd_kafka_offset_store(message.rkt, message.partition, message.offset);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        std::uint64_t suppressed = 0;
        if (offset_log_.Allow(suppressed)) {
            spdlog::warn("kafka consumer {}: cannot store offset {} of {} [{}]: {} ({} similar suppressed)", name_,
                         message.offset, topics_[held.topic].name, message.partition, rd_kafka_err2str(err),
                         suppressed);
        }
        return;
    }
    if (state != nullptr) {
        state->stored_next = std::max(state->stored_next, message.offset + 1);
    }
}

void PartitionTable::FlushStores() noexcept {
    if (pending_.empty()) {
        return;
    }
    PartitionList list = NewPartitionList(static_cast<int>(pending_.size()));
    for (const auto& [topic, partition] : pending_) {
        PartitionState* state = Find(topic, partition);
        if (state == nullptr || state->pending_next < 0) {
            continue;
        }
        // Never move a stored offset back (a record stored on its own may have gone further).
        if (state->pending_next > state->stored_next) {
            rd_kafka_topic_partition_list_add(list.get(), topics_[topic].name.c_str(), partition)->offset =
                state->pending_next;
        }
        state->pending_next = -1;
    }
    pending_.clear();
    if (list->cnt == 0) {
        return;
    }
    // Stored as given (the next offset to read); per-partition errors are in each element.
    rd_kafka_offsets_store(consumer_, list.get());
    for (int i = 0; i < list->cnt; ++i) {
        const rd_kafka_topic_partition_t& element = list->elems[i];
        const auto topic = topics_.Index(element.topic);
        PartitionState* state = topic ? Find(*topic, element.partition) : nullptr;
        if (element.err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (state != nullptr) {
                state->stored_next = std::max(state->stored_next, element.offset);
            }
            continue;
        }
        std::uint64_t suppressed = 0;
        if (offset_log_.Allow(suppressed)) {
            spdlog::warn("kafka consumer {}: cannot store offset {} of {} [{}]: {} ({} similar suppressed)", name_,
                         element.offset - 1, element.topic, element.partition, rd_kafka_err2str(element.err),
                         suppressed);
        }
    }
}

PartitionList PartitionTable::StoredOffsets(const std::set<PartitionKey>* only) const {
    PartitionList commit = NewPartitionList(only != nullptr ? static_cast<int>(only->size()) : 8);
    auto add = [&](std::size_t topic, std::int32_t partition) {
        const PartitionState* state = Find(topic, partition);
        if (state != nullptr && state->assigned && state->stored_next >= 0) {
            rd_kafka_topic_partition_list_add(commit.get(), topics_[topic].name.c_str(), partition)->offset =
                state->stored_next;
        }
    };
    if (only != nullptr) {
        for (const auto& [topic, partition] : *only) {
            add(topic, partition);
        }
        return commit;
    }
    for (std::size_t t = 0; t < states_.size(); ++t) {
        for (std::size_t p = 0; p < states_[t].size(); ++p) {
            add(t, static_cast<std::int32_t>(p));
        }
    }
    return commit;
}

void PartitionTable::KeepLostOffsets(const std::set<PartitionKey>& lost) {
    for (const PartitionKey& key : lost) {
        const PartitionState* state = Find(key.first, key.second);
        if (state != nullptr && state->assigned && state->stored_next >= 0) {
            kept_[key] = state->stored_next;
        }
    }
}

std::size_t PartitionTable::RestoreKeptOffsets() {
    std::size_t restored = 0;
    for (const auto& [key, next] : kept_) {
        PartitionState* state = Find(key.first, key.second);
        if (state != nullptr && state->assigned) {
            // Committed explicitly (StoredOffsets), not through librdkafka's offset store: the
            // partition was assigned again a moment ago and nothing has been handled since.
            state->stored_next = std::max(state->stored_next, next);
            ++restored;
        }
    }
    kept_.clear();
    return restored;
}

}  // namespace cosmic::kafka::runner_detail
