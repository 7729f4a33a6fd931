#pragma once
/// loadgen events: produces realistic events straight to a topic at a target rate — what the
/// publishers of the suite (or the original stack) would write — for tests, demos and benchmarks
/// of the consumers.
///
///   loadgen events --brokers B --topic T --count N [--rate R] [--jobs J] [--shape S] ...
///
/// Events are built with libs/schema (the same envelopes job-orchestrator writes), keyed by the
/// topic's key field. Per job, job-lifecycle events come in lifecycle order (submitted, queued,
/// running, then completed or failed), so per-job ordering can be checked downstream. Delivery is
/// confirmed (acks=all, idempotent producer) before the tool reports.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/schema/topics.hpp"

namespace cosmic::loadgen {

/// What the events look like.
enum class Shape {
    kValid,          ///< envelopes that pass validation
    kMalformed,      ///< not JSON at all
    kMissingFields,  ///< JSON envelopes without job_id / resource_id / component_id
    kLegacyNames,    ///< valid, but with the original stack's event names (job.metrics_recorded, job.status.changed)
};

struct EventLoadOptions {
    std::string brokers = "127.0.0.1:9092";
    std::string topic;
    std::uint64_t count = 1000;
    double rate = 0;           ///< events per second; 0 = as fast as the producer takes them
    std::uint64_t jobs = 100;  ///< distinct job ids the events spread over
    Shape shape = Shape::kValid;
    std::string user_id = "loadgen-user";
    std::string job_prefix;  ///< job ids are <prefix>-<i>; default "load-<random>"
    /// Percentage (0-100) of jobs that end in job.failed on job-lifecycle.
    int failure_percent = 10;
    /// Extra librdkafka properties (--property k=v).
    std::map<std::string, std::string> properties;
    int timeout_ms = 30'000;  ///< flush deadline after the last event
    /// occurred_at this long before now (old events, e.g. for retention); 0 = now.
    std::int64_t backdate_ms = 0;
};

/// Parses `loadgen events ...` (argv[0] is "events"); returns the error for a bad command line.
std::optional<std::string> ParseEventArgs(int argc, const char* const* argv, EventLoadOptions& options, bool& help);
std::string EventUsage();

struct EventLoadReport {
    std::uint64_t produced = 0;   ///< acknowledged by the brokers
    std::uint64_t failed = 0;     ///< delivery errors
    double elapsed_seconds = 0;
    double produced_per_second = 0;
    double max_behind_ms = 0;  ///< worst delay of a send against its due time
    std::string job_prefix;
    std::string first_error;
};

/// The `i`-th event's value and key for `options` (exposed for tests).
struct GeneratedEvent {
    std::string key;
    std::string value;
};
GeneratedEvent MakeEvent(const EventLoadOptions& options, schema::TopicId topic, std::uint64_t i);

/// Produces the load; throws std::runtime_error when the producer cannot be created.
EventLoadReport RunEvents(const EventLoadOptions& options);
std::string FormatEvents(const EventLoadReport& report, const EventLoadOptions& options);

}  // namespace cosmic::loadgen
