#include "cosmic/job_orchestrator/request_context.hpp"

#include <utility>

#include "cosmic/schema/event.hpp"
#include "cosmic/telemetry/trace.hpp"

namespace cosmic::orchestrator {

std::string_view ToString(ActorKind kind) noexcept {
    switch (kind) {
        case ActorKind::kUser:
            return "user";
        case ActorKind::kCommand:
            return "command";
        case ActorKind::kSystem:
            return "system";
    }
    return "system";
}

RequestContext MakeContext(Actor actor, std::string_view correlation_id, std::string_view incoming_traceparent) {
    RequestContext context;
    context.actor = std::move(actor);
    context.correlation_id = correlation_id.empty() ? schema::NewUuid() : std::string(correlation_id);
    if (auto parent = telemetry::ParseTraceparent(incoming_traceparent)) {
        context.traceparent = parent->Child().ToTraceparent();
    } else {
        context.traceparent = telemetry::NewTrace().ToTraceparent();
    }
    return context;
}

bool MayAccess(const Actor& actor, std::string_view owner) noexcept {
    // job-commands is an internal topic guarded by Kafka ACLs: its producers (executors) are trusted.
    return actor.kind != ActorKind::kUser || actor.admin || actor.user_id == owner;
}

}  // namespace cosmic::orchestrator
