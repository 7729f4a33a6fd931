#include "cosmic/job_orchestrator/job_state.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace cosmic::orchestrator {
namespace {

using S = JobState;

// The allowed transitions written out independently of the table in job_state.cpp.
const std::set<std::pair<S, S>> kAllowed = {
    {S::kSubmitted, S::kQueued},  {S::kSubmitted, S::kCancelled}, {S::kQueued, S::kRunning},
    {S::kQueued, S::kCancelled},  {S::kRunning, S::kCompleted},   {S::kRunning, S::kFailed},
    {S::kRunning, S::kCancelled},
};

TEST(JobStateTest, EveryPairIsAllowedExactlyWhenTheStateMachineSaysSo) {
    int allowed = 0;
    for (const S from : AllJobStates()) {
        for (const S to : AllJobStates()) {
            const bool expected = kAllowed.count({from, to}) == 1;
            EXPECT_EQ(CanTransition(from, to), expected) << ToString(from) << " -> " << ToString(to);
            allowed += CanTransition(from, to) ? 1 : 0;
        }
    }
    EXPECT_EQ(allowed, 7);
}

TEST(JobStateTest, TerminalStatesAreFinal) {
    for (const S state : AllJobStates()) {
        const bool terminal = state == S::kCompleted || state == S::kFailed || state == S::kCancelled;
        EXPECT_EQ(IsTerminal(state), terminal) << ToString(state);
        if (!terminal) continue;
        for (const S to : AllJobStates()) EXPECT_FALSE(CanTransition(state, to)) << ToString(state);
    }
}

TEST(JobStateTest, NoStateTransitionsToItselfOrBackToSubmitted) {
    for (const S state : AllJobStates()) {
        EXPECT_FALSE(CanTransition(state, state)) << ToString(state);
        EXPECT_FALSE(CanTransition(state, S::kSubmitted)) << ToString(state);
    }
}

TEST(JobStateTest, NamesRoundTripAndEventTypesFollowThem) {
    for (const S state : AllJobStates()) {
        EXPECT_EQ(ParseJobState(ToString(state)), state);
        EXPECT_EQ(LifecycleEventType(state), "job." + std::string(ToString(state)));
    }
    EXPECT_EQ(ParseJobState("Queued"), std::nullopt);
    EXPECT_EQ(ParseJobState(""), std::nullopt);
    EXPECT_EQ(ParseJobState("done"), std::nullopt);
}

}  // namespace
}  // namespace cosmic::orchestrator
