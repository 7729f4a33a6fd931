#pragma once
// Shared helpers for the producer/runner integration tests: events, runner options tuned for
// the mock cluster, a thread-safe record of what handlers saw, and metric reads.

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/kafka/runner.hpp"
#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"
#include "cosmic/testing/wait.hpp"

namespace cosmic::kafka::test {

using namespace std::chrono_literals;
using cosmic::testing::WaitUntil;
using kafka::testing::EmbeddedCluster;

inline constexpr std::string_view kLifecycle = "job-lifecycle";
inline constexpr std::string_view kLifecycleDlq = "job-lifecycle.dlq";
inline constexpr int kLifecyclePartitions = 10;

/// A valid job-lifecycle event keyed by `job_id`; `marker` lands in correlation_id so tests can
/// follow individual records.
inline schema::Event LifecycleEvent(std::string_view job_id, std::string_view marker,
                                    std::string_view event_type = "job.submitted") {
    schema::Event event = schema::NewEvent(schema::TopicId::kJobLifecycle, event_type, "kafka-test");
    event.job_id = std::string(job_id);
    event.correlation_id = std::string(marker);
    event.user_id = "user-1";
    if (event_type == "job.completed") {
        event.execution_time_ms = 1000;
    }
    return event;
}

/// Produces a serialized lifecycle event with the fixture's raw producer (independent of ours).
inline testing::Delivered ProduceEvent(EmbeddedCluster& cluster, std::string_view job_id, std::string_view marker,
                                       std::int32_t partition = -1, std::string_view event_type = "job.submitted") {
    testing::ProduceRecord record;
    record.topic = std::string(kLifecycle);
    record.key = std::string(job_id);
    record.value = schema::Serialize(LifecycleEvent(job_id, marker, event_type));
    record.headers = {{"event_type", std::string(event_type)}};
    record.partition = partition;
    return cluster.Produce(record);
}

/// Options for a runner on the test cluster: fast fetches, commits and retries.
inline RunnerOptions TestOptions(const EmbeddedCluster& cluster, std::string group,
                                 std::vector<std::string> topics = {std::string(kLifecycle)}) {
    RunnerOptions options;
    options.group_id = std::move(group);
    options.topics = std::move(topics);
    options.client = cluster.ClientConfig();
    options.client.properties["auto.commit.interval.ms"] = "100";
    // A real broker refuses sessions below group.min.session.timeout.ms (6 s by default).
    const bool mock = cluster.SupportsFaultInjection();
    options.client.properties["session.timeout.ms"] = mock ? "3000" : "6000";
    options.client.properties["heartbeat.interval.ms"] = mock ? "300" : "1000";
    options.fetch_wait_max = 10ms;
    options.poll_timeout = 20ms;
    options.statistics_interval = 0ms;
    options.retry.base = 10ms;
    options.retry.cap = 100ms;
    options.shutdown_deadline = 10s;
    options.dlq_producer.linger = 1ms;
    return options;
}

/// What a handler saw, recorded from the consumer thread and read from the test thread.
struct Seen {
    std::string marker;  ///< correlation_id
    std::string job_id;
    std::string event_type;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    int attempt = 0;
};

class Recorder {
  public:
    void Add(const schema::Event& event, const Delivery& from) {
        std::lock_guard lock(mutex_);
        seen_.push_back(
            Seen{event.correlation_id, event.job_id, event.event_type, from.partition, from.offset, from.attempt});
    }
    std::vector<Seen> All() const {
        std::lock_guard lock(mutex_);
        return seen_;
    }
    std::size_t Count() const {
        std::lock_guard lock(mutex_);
        return seen_.size();
    }
    std::set<std::string> Markers() const {
        std::lock_guard lock(mutex_);
        std::set<std::string> markers;
        for (const auto& s : seen_) markers.insert(s.marker);
        return markers;
    }

  private:
    mutable std::mutex mutex_;
    std::vector<Seen> seen_;
};

/// Value of the sample of `name` whose labels include all of `labels`; -1 when absent.
inline double MetricValue(prometheus::Registry& registry, std::string_view name,
                          const std::map<std::string, std::string>& labels) {
    for (const auto& family : registry.Collect()) {
        if (family.name != name) continue;
        for (const auto& metric : family.metric) {
            std::size_t matched = 0;
            for (const auto& label : metric.label) {
                auto it = labels.find(label.name);
                if (it != labels.end() && it->second == label.value) ++matched;
            }
            if (matched == labels.size()) {
                switch (family.type) {
                    case prometheus::MetricType::Counter:
                        return metric.counter.value;
                    case prometheus::MetricType::Gauge:
                        return metric.gauge.value;
                    case prometheus::MetricType::Histogram:
                        return static_cast<double>(metric.histogram.sample_count);
                    default:
                        return -1;
                }
            }
        }
    }
    return -1;
}

/// True when `group` has committed the end of every partition of `topic` that has records: for
/// waiting until a member has caught up (ExpectCommittedToEnd below asserts the same).
inline bool CommittedToEnd(EmbeddedCluster& cluster, std::string_view group, std::string_view topic, int partitions) {
    const auto committed = cluster.CommittedOffsets(group, topic);
    for (int p = 0; p < partitions; ++p) {
        const auto [low, high] = cluster.Watermarks(topic, p);
        const auto it = committed.find(p);
        if (high > low && (it == committed.end() || it->second != high)) return false;
    }
    return true;
}

/// Committed offsets equal the end of every partition that has records (nothing lost, nothing
/// left uncommitted). A partition without records (on a real cluster: emptied by the fixture,
/// low == high) needs no commit.
inline void ExpectCommittedToEnd(EmbeddedCluster& cluster, std::string_view group, std::string_view topic,
                                 int partitions) {
    std::map<std::int32_t, std::int64_t> ends;
    for (int p = 0; p < partitions; ++p) {
        const auto [low, high] = cluster.Watermarks(topic, p);
        if (high > low) ends[p] = high;
    }
    const auto committed = cluster.CommittedOffsets(group, topic);
    for (const auto& [partition, end] : ends) {
        auto it = committed.find(partition);
        ASSERT_NE(it, committed.end()) << "partition " << partition;
        EXPECT_EQ(it->second, end) << "partition " << partition;
    }
}

inline std::string Marker(int i) { return "m" + std::to_string(i); }

}  // namespace cosmic::kafka::test
