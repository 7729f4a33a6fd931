#pragma once
/// AuditStore on PostgreSQL, shared by every audit-consumer replica of a deployment.
///
/// Chains across replicas: each (topic, partition) has a row in audit_chain_heads holding its
/// chain head. A batch locks the heads of its partitions (SELECT … FOR UPDATE) and chains from
/// what the database says, never from memory, so when a rebalance moves a partition to another
/// replica the new owner continues the chain exactly where the old one committed, and a record
/// both replicas received during the hand-over is stored once (at or below the head: skipped).
///
/// Append-only in the database: audit_events refuses UPDATE always and DELETE outside
/// cosmic_audit_purge(), a SECURITY DEFINER function; the service's role needs only INSERT and
/// SELECT on it (docs/postgresql.md lists the grants). Query, Verify and Report read every
/// partition, whichever replica wrote it.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cosmic/audit/audit_store.hpp"
#include "cosmic/audit/chain_verifier.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/store/postgres.hpp"

namespace cosmic::audit {

struct PgAuditStoreOptions {
    std::string url;
    std::size_t pool_size = 4;
    std::chrono::milliseconds retry_deadline{std::chrono::seconds(30)};
    std::int64_t retention_ms = 90LL * 24 * 60 * 60 * 1000;
    std::size_t checkpoint_every_rows = 10000;
    std::size_t purge_chunk_rows = 5000;
    /// synchronous_commit of the store's sessions: true waits for the WAL flush on every commit.
    bool durable = true;
    schema::EpochClock clock = schema::NowEpochMs;
};

class PgAuditStore final : public AuditStore {
  public:
    /// Connects and migrates the schema; throws store::pg::PgError.
    explicit PgAuditStore(PgAuditStoreOptions options);
    ~PgAuditStore() override;

    /// For /readyz: one query without retries.
    bool Ready(std::string& detail);

    AppendResult AppendBatch(std::span<const AuditRecord> records) override;
    QueryPage Query(const QueryFilter& filter) override;
    VerifyReport Verify() override;
    PurgeResult Purge(std::int64_t now_ms) override;
    std::size_t Checkpoint(std::int64_t now_ms) override;
    ComplianceReport Report(std::int64_t now_ms) override;

    /// Every partition's chain head as the database has it.
    std::vector<ChainHead> Heads();
    /// Partitions with a chain; one attempt, 0 while the database is away (for the heartbeat).
    std::size_t PartitionCount();
    const std::string& Description() const { return description_; }
    const PgAuditStoreOptions& Options() const { return options_; }

  private:
    void Transact(const std::function<void(store::pg::Connection&)>& work);

    PgAuditStoreOptions options_;
    std::string description_;
    std::unique_ptr<store::pg::Pool> pool_;
    std::mutex verify_mutex_;  ///< one verification at a time per process: it is CPU-bound
};

}  // namespace cosmic::audit
