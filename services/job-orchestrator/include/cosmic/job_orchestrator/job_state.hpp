#pragma once
/// The job state machine: submitted -> queued -> running -> completed | failed | cancelled, with
/// cancel allowed from submitted, queued and running. Terminal states are final. Every path that
/// changes a job (REST API, job-commands, the simulated executor) asks CanTransition first.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace cosmic::orchestrator {

enum class JobState : std::uint8_t { kSubmitted, kQueued, kRunning, kCompleted, kFailed, kCancelled };

inline constexpr std::size_t kJobStateCount = 6;

/// Every state in enum order.
std::span<const JobState> AllJobStates() noexcept;

/// Lower-case name as in the API and the database: "submitted", "queued", ...
std::string_view ToString(JobState state) noexcept;
/// Parses the lower-case name; nullopt otherwise.
std::optional<JobState> ParseJobState(std::string_view text) noexcept;

/// The job-lifecycle event_type announcing that a job entered `state` ("job.queued").
std::string_view LifecycleEventType(JobState state) noexcept;

/// completed, failed and cancelled.
bool IsTerminal(JobState state) noexcept;

/// True when a job in `from` may move to `to`. Staying in the same state is not a transition.
bool CanTransition(JobState from, JobState to) noexcept;

}  // namespace cosmic::orchestrator
