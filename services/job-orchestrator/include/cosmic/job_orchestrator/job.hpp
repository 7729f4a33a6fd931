#pragma once
/// A job as the store keeps it and the API shows it (DESIGN.md §7).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/job_orchestrator/job_state.hpp"

namespace cosmic::orchestrator {

/// Who drives the simulated executor's jobs: recorded when a job starts running so that, after a
/// restart, the simulator adopts only the jobs it ran itself.
inline constexpr std::string_view kSimulatedExecutor = "simulated";
inline constexpr std::string_view kExternalExecutor = "external";

struct Job {
    /// Store order (newest = largest); the list cursor. 0 before the job is stored.
    std::int64_t position = 0;
    std::string job_id;
    std::string user_id;
    std::string name;
    std::string kind;
    std::string parameters = "{}";  ///< JSON object text
    int priority = 5;
    JobState state = JobState::kSubmitted;
    std::int64_t created_at_ms = 0;
    std::int64_t updated_at_ms = 0;
    std::int64_t started_at_ms = 0;  ///< when it entered running; 0 before
    std::optional<std::int64_t> execution_time_ms;
    std::string error;
    std::string error_code;
    std::string reason;
    std::string executor;        ///< kSimulatedExecutor, kExternalExecutor or "" (never ran)
    std::string correlation_id;  ///< of the request that submitted it
    std::string traceparent;     ///< of the request that submitted it (later events continue the trace)
    std::int64_t event_seq = 0;  ///< outbox rows written for the job so far (its last sequence number)
};

/// A page of the job list, newest first.
struct JobQuery {
    std::optional<std::string> user_id;  ///< nullopt = every user (admin)
    std::optional<JobState> state;
    std::size_t limit = 50;
    /// Exclusive: jobs older than this position (from a previous page's next_cursor).
    std::optional<std::int64_t> before_position;
};

struct JobPage {
    std::vector<Job> jobs;
    /// Position of the last job when more may follow.
    std::optional<std::int64_t> next_position;
};

}  // namespace cosmic::orchestrator
