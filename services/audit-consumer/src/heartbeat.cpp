#include "cosmic/audit_consumer/heartbeat.hpp"

#include <string>

#include "cosmic/schema/writer.hpp"

namespace cosmic::audit {

schema::HealthStatus HeartbeatStatus(const HeartbeatNumbers& n) {
    if (!n.consumer_ready || n.chain_verified == 0 || n.store_errors_since_last > 0) {
        return schema::HealthStatus::kDegraded;
    }
    return schema::HealthStatus::kHealthy;
}

kafka::HeartbeatSnapshot ToHeartbeat(const HeartbeatNumbers& n) {
    std::string metrics;
    schema::JsonWriter w(metrics);
    w.BeginObject();
    w.Key("consumer_ready").Bool(n.consumer_ready);
    w.Key("consumer_lag");
    if (n.lag_known) {
        w.Int(n.consumer_lag);
    } else {
        w.Null();
    }
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
    w.EndObject();
    return {HeartbeatStatus(n), std::move(metrics)};
}

}  // namespace cosmic::audit
