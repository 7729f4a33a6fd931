#include "cosmic/kafka/lag_rules.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace cosmic::kafka {
namespace {

// Large enough for any sensible window, small enough that a typo cannot allocate gigabytes per partition.
constexpr std::size_t kMaxIntervals = 100000;

[[noreturn]] void Invalid(const std::string& field, const std::string& why) {
    throw std::invalid_argument("LagWindowOptions." + field + " " + why);
}

}  // namespace

std::string_view ToString(LagStatus status) noexcept {
    switch (status) {
        case LagStatus::kNotFound:
            return "NOTFOUND";
        case LagStatus::kOk:
            return "OK";
        case LagStatus::kWarn:
            return "WARN";
        case LagStatus::kErr:
            return "ERR";
        case LagStatus::kStop:
            return "STOP";
        case LagStatus::kStall:
            return "STALL";
        case LagStatus::kRewind:
            return "REWIND";
    }
    return "UNKNOWN";
}

void LagWindowOptions::Validate() const {
    if (intervals < 1 || intervals > kMaxIntervals) {
        Invalid("intervals",
                "must be between 1 and " + std::to_string(kMaxIntervals) + ", got " + std::to_string(intervals));
    }
    if (min_distance_ms < 0) Invalid("min_distance_ms", "must be >= 0, got " + std::to_string(min_distance_ms));
    if (allowed_lag < 0) Invalid("allowed_lag", "must be >= 0, got " + std::to_string(allowed_lag));
    if (!(minimum_complete >= 0.0 && minimum_complete <= 1.0)) {
        Invalid("minimum_complete", "must be within [0, 1], got " + std::to_string(minimum_complete));
    }
    if (expire_group_ms <= 0) Invalid("expire_group_ms", "must be > 0, got " + std::to_string(expire_group_ms));
}

// ---------------------------------------------------------------------------------------------------------
// PartitionLagWindow

PartitionLagWindow::PartitionLagWindow(const LagWindowOptions& options) : options_(options) {
    options_.Validate();
    commits_.resize(options_.intervals);
    brokers_.resize(options_.intervals);
}

void PartitionLagWindow::AddBrokerOffset(std::int64_t high_watermark) {
    brokers_[broker_next_] = high_watermark;
    broker_next_ = (broker_next_ + 1) % brokers_.size();
    broker_count_ = std::min(broker_count_ + 1, brokers_.size());
}

std::vector<std::int64_t> PartitionLagWindow::BrokerOffsets() const {
    std::vector<std::int64_t> out;
    out.reserve(broker_count_);
    const std::size_t size = brokers_.size();
    const std::size_t oldest = (broker_next_ + size - broker_count_) % size;
    for (std::size_t i = 0; i < broker_count_; ++i) out.push_back(brokers_[(oldest + i) % size]);
    return out;
}

const CommitSample& PartitionLagWindow::Commit(std::size_t index) const noexcept { return commits_[Physical(index)]; }

void PartitionLagWindow::ClearCommits() noexcept {
    commit_head_ = 0;
    commit_count_ = 0;
}

std::int64_t PartitionLagWindow::CurrentLag() const noexcept {
    if (commit_count_ == 0 || broker_count_ == 0) return 0;
    const std::int64_t newest_broker = brokers_[(broker_next_ + brokers_.size() - 1) % brokers_.size()];
    return std::max<std::int64_t>(0, newest_broker - Commit(commit_count_ - 1).offset);
}

void PartitionLagWindow::InsertAt(std::size_t index, const CommitSample& sample) {
    if (commit_count_ == commits_.size()) {
        // Full: the oldest commit makes room, as Burrow's shift overwrites the ring's oldest slot.
        commit_head_ = (commit_head_ + 1) % commits_.size();
        --commit_count_;
        --index;
    }
    for (std::size_t i = commit_count_; i > index; --i) commits_[Physical(i)] = commits_[Physical(i - 1)];
    commits_[Physical(index)] = sample;
    ++commit_count_;
}

CommitInsert PartitionLagWindow::AddCommit(std::int64_t offset, std::int64_t time_ms, std::int64_t now_ms) {
    if (time_ms < now_ms - options_.expire_group_ms) return CommitInsert::kDroppedExpired;
    if (broker_count_ == 0) return CommitInsert::kDroppedNoBroker;

    // Where the commit goes, by its ordering key (Burrow's findConsumerOffsetDestination).
    enum class Destination { kAppend, kInsertBefore, kReplaceOldest, kPrepend };
    Destination destination = Destination::kAppend;
    std::size_t before = commit_count_;  // for kInsertBefore: the logical index it goes in front of
    const std::size_t size = commits_.size();
    const bool full = commit_count_ == size;
    if (commit_count_ > 0) {
        if (full && Commit(0).observed_at_ms >= time_ms) return CommitInsert::kDroppedBackfill;
        if (Commit(commit_count_ - 1).observed_at_ms >= time_ms) {
            std::size_t dest = commit_count_;  // commit_count_ stands for Burrow's ring pointer
            for (;;) {
                if (dest == 0) {
                    destination = Destination::kPrepend;  // reached an empty slot before the oldest
                    break;
                }
                const std::size_t prev = dest - 1;
                if (full && prev == 0) {
                    destination = Destination::kReplaceOldest;  // reached the ring pointer itself
                    break;
                }
                const std::int64_t prev_order = Commit(prev).observed_at_ms;
                if (prev_order < time_ms) {
                    destination = Destination::kInsertBefore;
                    before = dest;
                    break;
                }
                if (prev_order == time_ms) return CommitInsert::kDroppedDuplicate;
                dest = prev;
            }
        }
    }

    CommitSample sample{offset, time_ms, time_ms, std::nullopt};
    const bool append = destination == Destination::kAppend;
    if (append) {
        // Broker offsets are only sampled now and then, so a commit may be ahead of the newest one: lag 0.
        const std::int64_t newest_broker = brokers_[(broker_next_ + size - 1) % size];
        sample.lag = std::max<std::int64_t>(0, newest_broker - offset);
    }

    // min-distance: a commit too soon after its predecessor overwrites it and keeps the older timestamp, so
    // a frequent committer cannot flush the window (Burrow's mergeFrequentCommitIntoPrevious). Only an
    // append or an in-order insertion has a predecessor older than itself.
    if (destination == Destination::kAppend || destination == Destination::kInsertBefore) {
        const std::size_t pred_index = append ? commit_count_ : before;
        if (pred_index > 0) {
            CommitSample& pred = commits_[Physical(pred_index - 1)];
            if (pred.observed_at_ms < time_ms && time_ms - pred.timestamp_ms < options_.min_distance_ms) {
                sample.timestamp_ms = pred.timestamp_ms;
                pred = sample;
                return append ? CommitInsert::kMerged : CommitInsert::kInsertedMerged;
            }
        }
    }

    switch (destination) {
        case Destination::kAppend:
            InsertAt(commit_count_, sample);
            return CommitInsert::kAppended;
        case Destination::kInsertBefore:
            InsertAt(before, sample);
            return CommitInsert::kInserted;
        case Destination::kReplaceOldest:
            commits_[Physical(0)] = sample;
            return CommitInsert::kInserted;
        case Destination::kPrepend:
            InsertAt(0, sample);
            return CommitInsert::kInserted;
    }
    return CommitInsert::kInserted;
}

PartitionEvaluation PartitionLagWindow::Evaluate(std::int64_t now_ms) const {
    PartitionEvaluation out;
    out.current_lag = CurrentLag();
    const std::size_t count = commit_count_;
    if (count == 0) return out;  // nothing to judge: OK, complete 0

    out.complete = static_cast<double>(count) / static_cast<double>(commits_.size());
    out.start = Commit(0);
    out.end = Commit(count - 1);
    if (out.complete < options_.minimum_complete) return out;  // too little history: OK

    const std::int64_t allowed = options_.allowed_lag;
    // Rule 1: caught up now.
    if (out.current_lag <= allowed) return out;

    // Rule 2, STOP: the time since the last commit exceeds the window's span, and no recent broker offset
    // shows the consumer caught up (intervals x broker-offset refresh is minutes, so this delays alerting a
    // consumer that was idle because there was nothing to read).
    const CommitSample& first = Commit(0);
    const CommitSample& last = Commit(count - 1);
    const bool stopped = (now_ms - last.timestamp_ms) > (last.timestamp_ms - first.timestamp_ms);
    bool recently_caught_up = false;
    const std::size_t bsize = brokers_.size();
    for (std::size_t i = 0; i < broker_count_; ++i) {
        if (brokers_[(broker_next_ + bsize - 1 - i) % bsize] <= last.offset) {
            recently_caught_up = true;
            break;
        }
    }
    if (stopped && !recently_caught_up) {
        out.status = LagStatus::kStop;
        return out;
    }

    // Rule 3, REWIND: the first decrease in the window, unless a later commit got back to the offset
    // before it (a rebalance may re-commit a slightly older offset; that is not held against the consumer).
    for (std::size_t i = 1; i < count; ++i) {
        if (Commit(i).offset < Commit(i - 1).offset) {
            const std::int64_t before_rewind = Commit(i - 1).offset;
            bool recovered = false;
            for (std::size_t j = i; j < count && !recovered; ++j) recovered = Commit(j).offset >= before_rewind;
            if (!recovered) {
                out.status = LagStatus::kRewind;
                return out;
            }
            break;
        }
    }

    // Rule 4: caught up at some point in the window.
    for (std::size_t i = 0; i < count; ++i) {
        const auto& lag = Commit(i).lag;
        if (lag && *lag <= allowed) return out;
    }

    // Rule 5, STALL: committing, but never advancing, while behind.
    bool all_same = true;
    for (std::size_t i = 1; i < count && all_same; ++i) all_same = Commit(i).offset == Commit(0).offset;
    if (all_same) {
        out.status = LagStatus::kStall;
        return out;
    }

    // Rule 6, WARN: advancing, but the lag never goes down between consecutive known lags.
    bool decreased = false;
    std::optional<std::int64_t> previous;
    for (std::size_t i = 0; i < count && !decreased; ++i) {
        const auto& lag = Commit(i).lag;
        if (!lag) continue;
        decreased = previous && *lag < *previous;
        previous = lag;
    }
    if (!decreased) out.status = LagStatus::kWarn;
    // Rule 7: otherwise OK.
    return out;
}

// ---------------------------------------------------------------------------------------------------------
// GroupLagEvaluator

GroupLagEvaluator::GroupLagEvaluator(std::string group, const LagWindowOptions& options)
    : group_(std::move(group)), options_(options) {
    options_.Validate();
}

void GroupLagEvaluator::Observe(const GroupLag& snapshot, std::int64_t time_ms) {
    ++generation_;
    for (const PartitionLag& p : snapshot.partitions) {
        auto it = windows_.find(std::pair<std::string_view, std::int32_t>(p.topic, p.partition));
        if (it == windows_.end()) {
            it = windows_.emplace(Key(p.topic, p.partition), Slot{PartitionLagWindow(options_), 0}).first;
        }
        Slot& slot = it->second;
        slot.seen = generation_;
        // The broker offset first, so the commit's lag is measured against the same read.
        slot.window.AddBrokerOffset(p.high);
        if (p.committed < 0) continue;  // nothing committed: Burrow stores nothing either
        const CommitInsert result = slot.window.AddCommit(p.committed, time_ms, time_ms);
        if (result == CommitInsert::kAppended || result == CommitInsert::kMerged) last_commit_ms_ = time_ms;
    }
    std::erase_if(windows_, [this](const auto& entry) { return entry.second.seen != generation_; });
}

GroupEvaluation GroupLagEvaluator::Evaluate(std::int64_t now_ms) {
    GroupEvaluation out;
    out.group = group_;
    if (!last_commit_ms_) return out;  // NOTFOUND
    if (now_ms - options_.expire_group_ms > *last_commit_ms_) {
        // Burrow deletes the group lazily on the next fetch; a later commit starts it afresh.
        for (auto& [key, slot] : windows_) slot.window.ClearCommits();
        last_commit_ms_.reset();
        return out;
    }

    out.status = LagStatus::kOk;
    out.partitions.reserve(windows_.size());
    std::size_t complete_partitions = 0;
    for (auto topic_begin = windows_.begin(); topic_begin != windows_.end();) {
        // Burrow lists a topic's partitions once any partition of it has a commit; topics without one are
        // not part of the group.
        auto topic_end = topic_begin;
        bool topic_has_commits = false;
        while (topic_end != windows_.end() && topic_end->first.first == topic_begin->first.first) {
            topic_has_commits = topic_has_commits || topic_end->second.window.CommitCount() > 0;
            ++topic_end;
        }
        for (auto it = topic_begin; topic_has_commits && it != topic_end; ++it) {
            PartitionEvaluation partition = it->second.window.Evaluate(now_ms);
            partition.topic = it->first.first;
            partition.partition = it->first.second;
            if (partition.status > out.status) {
                out.status = partition.status > LagStatus::kErr ? LagStatus::kErr : partition.status;
            }
            if (!out.max_lag || partition.current_lag > out.max_lag->current_lag) out.max_lag = partition;
            if (partition.complete == 1.0) ++complete_partitions;
            out.total_lag += partition.current_lag;
            out.partitions.push_back(std::move(partition));
        }
        topic_begin = topic_end;
    }
    out.complete = out.partitions.empty()
                       ? 0.0
                       : static_cast<double>(complete_partitions) / static_cast<double>(out.partitions.size());
    return out;
}

}  // namespace cosmic::kafka
