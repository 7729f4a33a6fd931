#pragma once
/// The consumer side: the runner's batch handler. A batch (valid and invalid records alike) is
/// written in one store transaction; only when it committed does the handler return Ok, which
/// is when the runner stores the batch's offsets. A failed write that can heal returns Retry
/// with the store's error: the runner backs off and hands over the same records again, and the
/// store skips any already stored. A write the records themselves make impossible returns
/// DeadLetter(kStoreRejected, error) (see CanHeal).

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit/sqlite_types.hpp"
#include "cosmic/audit_consumer/audit_metrics.hpp"
#include "cosmic/audit_consumer/record_mapper.hpp"
#include "cosmic/kafka/delivery.hpp"
#include "cosmic/kafka/outcome.hpp"
#include "cosmic/store/postgres.hpp"
#include "cosmic/telemetry/logging.hpp"

namespace cosmic::audit {

/// dlq.error.class of a batch the store refuses for what is in it.
inline constexpr std::string_view kStoreRejected = "store_rejected";

class AuditIngest {
  public:
    using Clock = std::function<std::int64_t()>;  ///< epoch ms

    AuditIngest(AuditStore& store, AuditMetrics& metrics, Clock clock);

    /// Called on the runner's consumer thread only.
    kafka::Outcome HandleBatch(std::span<const kafka::Record> records);

    /// True when writing the same records again can succeed (the store's state is at fault,
    /// not the records): such a failure is retried, any other one dead-lettered.
    static bool CanHeal(const StoreError& error) noexcept;
    static bool CanHeal(const store::pg::PgError& error) noexcept;

  private:
    kafka::Outcome Failed(std::size_t records, bool heals, std::string_view what);

    AuditStore& store_;
    AuditMetrics& metrics_;
    Clock clock_;
    RecordMapper mapper_;
    std::vector<AuditRecord> batch_;  ///< reused; as long as the runner's largest batch
    telemetry::RateLimiter error_log_;
};

}  // namespace cosmic::audit
