#pragma once
// Checks on what really landed in Kafka: every event id exactly once, and per job the events in
// the order they were committed.

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "cosmic/kafka/testing/embedded_cluster.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/topics.hpp"

namespace cosmic::orchestrator::testing {

using kafka::testing::ConsumedRecord;

/// A consumed record parsed as its topic's event.
struct Landed {
    ConsumedRecord record;
    schema::Event event;
};

inline std::vector<Landed> Parse(const std::vector<ConsumedRecord>& records) {
    std::vector<Landed> out;
    schema::Parser parser;
    for (const ConsumedRecord& record : records) {
        Landed landed{record, {}};
        const schema::TopicSpec* spec = schema::FindTopic(record.topic);
        if (spec == nullptr) {
            ADD_FAILURE() << "record on unknown topic " << record.topic;
            continue;
        }
        if (auto violation = parser.Parse(spec->id, record.value, landed.event)) {
            ADD_FAILURE() << record.topic << " record is invalid: " << violation->ToString() << " " << record.value;
            continue;
        }
        out.push_back(std::move(landed));
    }
    return out;
}

/// How many times each event_id landed.
inline std::map<std::string, int> CountIds(const std::vector<Landed>& landed) {
    std::map<std::string, int> counts;
    for (const Landed& l : landed) ++counts[l.event.event_id];
    return counts;
}

/// Number of event ids that landed more than once (extra copies).
inline int Duplicates(const std::map<std::string, int>& counts) {
    int extra = 0;
    for (const auto& [id, n] : counts) extra += n - 1;
    return extra;
}

/// Per job (record key), the job-lifecycle event types in partition offset order.
inline std::map<std::string, std::vector<std::string>> LifecycleByJob(const std::vector<Landed>& landed) {
    std::map<std::string, std::vector<std::string>> by_job;
    for (const Landed& l : landed) {
        if (l.event.topic != schema::TopicId::kJobLifecycle) continue;
        EXPECT_EQ(l.record.key.value_or(""), l.event.job_id);
        by_job[l.event.job_id].push_back(l.event.event_type);
    }
    return by_job;
}

/// True when `types` is a prefix-respecting walk of the state machine: submitted, queued, then
/// running and/or one terminal event, each at most once, in that order.
inline bool FollowsStateMachine(const std::vector<std::string>& types) {
    static const std::map<std::string, int> kRank = {{"job.submitted", 0}, {"job.queued", 1}, {"job.running", 2},
                                                     {"job.completed", 3}, {"job.failed", 3}, {"job.cancelled", 3}};
    int last = -1;
    for (const std::string& type : types) {
        auto it = kRank.find(type);
        if (it == kRank.end() || it->second <= last) return false;
        last = it->second;
    }
    return !types.empty() && types.front() == "job.submitted";
}

}  // namespace cosmic::orchestrator::testing
