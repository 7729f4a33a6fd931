#include "cosmic/audit_consumer/heartbeat.hpp"

namespace cosmic::audit {

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& n) {
    if (n.chain_verified == 0 || n.store_errors_since_last > 0) return schema::HealthStatus::kDegraded;
    return schema::HealthStatus::kHealthy;
}

schema::HealthStatus WriteHeartbeatFields(const HeartbeatNumbers& n, schema::JsonWriter& w) {
    w.Key("rows_stored").Uint(n.rows_stored);
    w.Key("duplicates").Uint(n.duplicates);
    w.Key("invalid_rows").Uint(n.invalid_rows);
    w.Key("store_errors").Uint(n.store_errors_since_last);
    w.Key("partitions").Uint(n.partitions);
    w.Key("chain_verified");
    if (n.chain_verified < 0) {
        w.Null();
    } else {
        w.Bool(n.chain_verified == 1);
    }
    return HeartbeatStatus(n);
}

}  // namespace cosmic::audit
