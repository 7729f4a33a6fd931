#pragma once
/// Domain rules for a job.metrics sample beyond the wire schema: a sample that breaks them is
/// dead-lettered with the violation and never aggregated.

#include <optional>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"

namespace cosmic::metrics {

/// The first rule `event` breaks (field path and reason), nullopt when it may be aggregated:
/// non-empty job_id and event_id; cpu_percent, memory_mb, io_read_mb, io_write_mb finite and
/// >= 0; execution_time_ms >= 0.
std::optional<schema::Violation> ValidateSample(const schema::Event& event);

}  // namespace cosmic::metrics
