#pragma once
/// Payload builders for the event types whose payload has typed fields (DESIGN.md §5), so producers
/// never concatenate JSON by hand. Each returns the payload object as JSON text for Event::payload.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/writer.hpp"

namespace cosmic::schema {

/// job.metrics: {"cpu_percent","memory_mb","io_read_mb","io_write_mb","execution_time_ms","sampled_at"}
std::string MetricsPayload(const MetricsSample& sample);
/// job.completed: {"execution_time_ms"}
std::string CompletedPayload(std::int64_t execution_time_ms);
/// job.failed: {"error", "error_code"?, "execution_time_ms"?}; empty error_code is left out.
std::string FailedPayload(std::string_view error, std::string_view error_code = {},
                          std::optional<std::int64_t> execution_time_ms = std::nullopt);
/// job.cancelled: {"reason", "execution_time_ms"?}
std::string CancelledPayload(std::string_view reason, std::optional<std::int64_t> execution_time_ms = std::nullopt);

/// Writes the payload object an event's typed fields describe (job.metrics, job.completed with
/// execution_time_ms set, job.failed, job.cancelled) and returns true; returns false without writing
/// otherwise. Serialize uses it when an event's payload is left at "{}".
bool WriteTypedPayload(const Event& event, JsonWriter& writer);

}  // namespace cosmic::schema
