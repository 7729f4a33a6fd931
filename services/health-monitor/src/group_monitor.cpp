#include "cosmic/health_monitor/group_monitor.hpp"

#include <algorithm>
#include <exception>

namespace cosmic::health {

namespace {

/// librdkafka 2.0.2's rd_kafka_query_watermark_offsets waits for its replies without looking at
/// its own timeout; a request to a broker that died only fails after socket.timeout.ms (60 s by
/// default) and its retries. Bound it by the read budget unless the operator chose a value.
kafka::ClientConfig Bounded(kafka::ClientConfig client, std::chrono::milliseconds timeout) {
    client.properties.try_emplace("socket.timeout.ms",
                                  std::to_string(std::clamp<std::int64_t>(timeout.count(), 1000, 300'000)));
    return client;
}

}  // namespace

KafkaGroupLagSource::KafkaGroupLagSource(const kafka::ClientConfig& client, std::chrono::milliseconds timeout,
                                         bool use_admin_api)
    : reader_(Bounded(client, timeout), kafka::GroupLagOptions{timeout, use_admin_api}) {}

kafka::GroupLag KafkaGroupLagSource::Read(std::string_view group, const std::vector<std::string>& topics) {
    return reader_.Read(group, topics);
}

GroupMonitor::GroupMonitor(std::vector<GroupTarget> targets, LagSettings settings) : settings_(std::move(settings)) {
    settings_.window.Validate();
    groups_.reserve(targets.size());
    for (GroupTarget& target : targets) {
        GroupView view;
        view.group = target.group;
        view.topics = target.topics;
        views_.push_back(std::move(view));
        std::string name = target.group;
        groups_.push_back(
            GroupState{std::move(target), kafka::GroupLagEvaluator(std::move(name), settings_.window), {}, 0});
    }
    scratch_ = views_;
}

void GroupMonitor::Poll(GroupLagSource& source, std::int64_t now_ms, const std::function<bool()>& cancelled) {
    for (std::size_t i = 0; i < groups_.size(); ++i) {
        if (cancelled && cancelled()) return;
        PollGroup(groups_[i], scratch_[i], source, now_ms);
    }
    std::lock_guard lock(mutex_);
    views_ = scratch_;
}

void GroupMonitor::PollGroup(GroupState& state, GroupView& view, GroupLagSource& source, std::int64_t now_ms) {
    view.last_poll_ms = now_ms;
    ++view.polls;
    kafka::GroupLag lag;
    try {
        lag = source.Read(state.target.group, state.target.topics);
    } catch (const std::exception& error) {
        // Burrow's window keeps what it has; after failed_reads_to_err failures in a row the
        // group is ERR until a read works again. The last partition numbers stay visible, marked
        // by the error.
        if (++state.failed_reads >= settings_.failed_reads_to_err) view.status = kafka::LagStatus::kErr;
        view.error = error.what();
        return;
    }
    state.failed_reads = 0;
    view.error.clear();
    state.evaluator.Observe(lag, now_ms);
    const kafka::GroupEvaluation evaluation = state.evaluator.Evaluate(now_ms);
    view.status = evaluation.status;
    view.complete = evaluation.complete;
    view.total_lag = 0;
    view.max_lag = 0;
    view.max_lag_seconds.reset();
    view.partitions.clear();
    view.partitions.reserve(lag.partitions.size());
    for (const kafka::PartitionLag& p : lag.partitions) {
        PartitionKey key{p.topic, p.partition};
        auto table = tables_.find(key);
        if (table == tables_.end()) table = tables_.emplace(key, kafka::LookupTable(settings_.lookup_points)).first;
        // The point first, so a group at the head reads 0 s; a second group polling the same
        // partition in this round is rejected as out of order, harmlessly.
        table->second.AddPoint({p.high, now_ms});

        PartitionView part;
        part.topic = p.topic;
        part.partition = p.partition;
        part.committed = p.committed;
        part.high = p.high;
        part.lag = p.lag;
        if (p.committed >= 0) {
            if (auto seconds = table->second.LagSeconds(p.committed, now_ms))
                part.lag_seconds = std::max(0.0, *seconds);
        }
        part.status = kafka::LagStatus::kOk;
        for (const kafka::PartitionEvaluation& e : evaluation.partitions) {
            if (e.partition == p.partition && e.topic == p.topic) {
                part.status = e.status;
                break;
            }
        }
        std::deque<std::int64_t>& history = state.sparklines[key];
        history.push_back(p.lag);
        while (history.size() > settings_.sparkline_points) history.pop_front();
        part.lag_history.assign(history.begin(), history.end());

        view.total_lag += p.lag;
        view.max_lag = std::max(view.max_lag, p.lag);
        if (part.lag_seconds && (!view.max_lag_seconds || *part.lag_seconds > *view.max_lag_seconds)) {
            view.max_lag_seconds = part.lag_seconds;
        }
        view.partitions.push_back(std::move(part));
    }
    // Partitions that disappeared (topic recreated smaller) take their sparklines with them.
    std::erase_if(state.sparklines, [&](const auto& entry) {
        return std::none_of(lag.partitions.begin(), lag.partitions.end(), [&](const kafka::PartitionLag& p) {
            return p.partition == entry.first.second && p.topic == entry.first.first;
        });
    });
}

std::vector<GroupView> GroupMonitor::Views() const {
    std::lock_guard lock(mutex_);
    return views_;
}

}  // namespace cosmic::health
