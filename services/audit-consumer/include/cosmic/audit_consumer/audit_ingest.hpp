#pragma once
/// The consumer side: the runner's batch handler. A batch (valid and invalid records alike) is
/// written in one store transaction; only when it committed does the handler return kOk, which
/// is when the runner stores the batch's offsets. A failed write returns kRetry: the runner
/// backs off and hands over the same records again, and the store skips any already stored.

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit_consumer/audit_metrics.hpp"
#include "cosmic/audit_consumer/record_mapper.hpp"
#include "cosmic/kafka/delivery.hpp"
#include "cosmic/kafka/outcome.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::audit {

class AuditIngest {
  public:
    using Clock = std::function<std::int64_t()>;  ///< epoch ms

    AuditIngest(AuditStore& store, AuditMetrics& metrics, Clock clock);

    /// Called on the runner's consumer thread only.
    kafka::Outcome HandleBatch(std::span<const kafka::Record> records);

  private:
    AuditStore& store_;
    AuditMetrics& metrics_;
    Clock clock_;
    RecordMapper mapper_;
    std::vector<AuditRecord> batch_;  ///< reused; as long as the runner's largest batch
    telemetry::RateLimiter error_log_;
};

}  // namespace cosmic::audit
