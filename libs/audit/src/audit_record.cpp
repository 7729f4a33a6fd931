#include "cosmic/audit/audit_record.hpp"

namespace cosmic::audit {

void AuditRecord::Clear() {
    topic.clear();
    partition = 0;
    offset = 0;
    kafka_timestamp_ms = 0;
    valid = true;
    violation.clear();
    raw.clear();
    event_id.clear();
    event_type.clear();
    occurred_at.clear();
    occurred_at_ms = 0;
    source.clear();
    correlation_id.clear();
    user_id.clear();
    resource_id.clear();
    job_id.clear();
    action.clear();
    payload.clear();
}

}  // namespace cosmic::audit
