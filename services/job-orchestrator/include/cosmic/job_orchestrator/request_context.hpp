#pragma once
/// Who asked for a change and which trace it belongs to. Every path into the state machine (REST,
/// job-commands, the simulated executor) builds one, so every event carries the same ids.

#include <string>
#include <string_view>

namespace cosmic::orchestrator {

enum class ActorKind { kUser, kCommand, kSystem };

/// "user", "command", "system" (the audit payload's actor_type).
std::string_view ToString(ActorKind kind) noexcept;

struct Actor {
    ActorKind kind = ActorKind::kSystem;
    /// The token's user (kUser) or the command's user_id (kCommand); empty for kSystem.
    std::string user_id;
    /// May act on every user's jobs.
    bool admin = false;
};

struct RequestContext {
    Actor actor;
    /// From X-Correlation-Id (or the command's correlation_id); generated when absent.
    std::string correlation_id;
    /// The traceparent the produced events carry: a child span of the caller's trace, or a new trace.
    std::string traceparent;
};

/// A context for `actor` continuing `incoming_traceparent` (a new trace when empty or malformed) with
/// `correlation_id` (a new UUID when empty).
RequestContext MakeContext(Actor actor, std::string_view correlation_id, std::string_view incoming_traceparent);

/// True when `actor` may see and act on a job owned by `owner`: its owner, an admin, a command or the system.
bool MayAccess(const Actor& actor, std::string_view owner) noexcept;

}  // namespace cosmic::orchestrator
