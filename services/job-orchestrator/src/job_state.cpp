#include "cosmic/job_orchestrator/job_state.hpp"

namespace cosmic::orchestrator {
namespace {

constexpr std::array<JobState, kJobStateCount> kAll = {JobState::kSubmitted, JobState::kQueued, JobState::kRunning,
                                                       JobState::kCompleted, JobState::kFailed, JobState::kCancelled};
constexpr std::array<std::string_view, kJobStateCount> kNames = {"submitted", "queued", "running",
                                                                 "completed", "failed", "cancelled"};
constexpr std::array<std::string_view, kJobStateCount> kEventTypes = {"job.submitted", "job.queued", "job.running",
                                                                      "job.completed", "job.failed", "job.cancelled"};

// kAllowed[from][to]. Kept as a table so the unit test and the code read the same thing.
constexpr bool T = true;
constexpr bool F = false;
constexpr std::array<std::array<bool, kJobStateCount>, kJobStateCount> kAllowed = {{
    //            submitted queued running completed failed cancelled
    /*submitted*/ {F, T, F, F, F, T},
    /*queued*/ {F, F, T, F, F, T},
    /*running*/ {F, F, F, T, T, T},
    /*completed*/ {F, F, F, F, F, F},
    /*failed*/ {F, F, F, F, F, F},
    /*cancelled*/ {F, F, F, F, F, F},
}};

std::size_t Index(JobState state) noexcept { return static_cast<std::size_t>(state); }

}  // namespace

std::span<const JobState> AllJobStates() noexcept { return kAll; }

std::string_view ToString(JobState state) noexcept { return kNames[Index(state)]; }

std::optional<JobState> ParseJobState(std::string_view text) noexcept {
    for (std::size_t i = 0; i < kJobStateCount; ++i) {
        if (kNames[i] == text) return kAll[i];
    }
    return std::nullopt;
}

std::string_view LifecycleEventType(JobState state) noexcept { return kEventTypes[Index(state)]; }

bool IsTerminal(JobState state) noexcept {
    return state == JobState::kCompleted || state == JobState::kFailed || state == JobState::kCancelled;
}

bool CanTransition(JobState from, JobState to) noexcept { return kAllowed[Index(from)][Index(to)]; }

}  // namespace cosmic::orchestrator
