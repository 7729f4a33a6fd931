#pragma once
// Pre-produced data for the throughput phases: realistic envelopes from loadgen's generators
// (the shapes the suite's publishers write), acknowledged before a consumer starts.

#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "cosmic/schema/topics.hpp"

namespace cosmic::bench {

struct ProduceSpec {
    std::string brokers{};
    schema::TopicId topic = schema::TopicId::kJobMetrics;
    long count = 0;    ///< events produced (after `keep`)
    long jobs = 1000;  ///< distinct jobs (components for system-health)
    std::string user_id = "bench-user";
    /// compression.type and any other producer property.
    std::map<std::string, std::string> properties{};
    /// Which generated values to keep (default all), e.g. only non-terminal lifecycle events.
    std::function<bool(std::string_view value)> keep{};
};

struct Produced {
    long events = 0;
    double average_bytes = 0;
    double seconds = 0;
};

/// Produces and waits for every acknowledgement; throws when one fails.
Produced Produce(const ProduceSpec& spec);

/// The value is a terminal job-lifecycle event (job.completed or job.failed).
bool IsTerminal(std::string_view value);

}  // namespace cosmic::bench
