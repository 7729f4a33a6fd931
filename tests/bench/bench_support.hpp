#pragma once
// Helpers the benchmarks share: process CPU time, peak RSS and a representative job.metrics event.

#include <sys/resource.h>

#include <string>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/uuid.hpp"

namespace cosmic::bench {

/// Process CPU time (all threads: ours, librdkafka's and the mock brokers').
inline double CpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/// Peak resident set size of the process so far, in MiB.
inline long MaxRssMb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss / 1024;
}

/// A ~400-byte job.metrics event of a fresh job; `i` varies the user and the sample.
inline schema::Event MetricsEvent(int i) {
    auto event = schema::NewEvent(schema::TopicId::kJobMetrics, "job.metrics", "bench-executor");
    event.job_id = "job-" + schema::NewUuid();
    event.correlation_id = schema::NewUuid();
    event.user_id = "user-" + std::to_string(i % 1000);
    event.sample = schema::MetricsSample{12.5 + i % 80, 2048.25, 10.5, 3.25, 1000 + i, event.occurred_at};
    event.payload = schema::MetricsPayload(event.sample);
    return event;
}

}  // namespace cosmic::bench
