#pragma once
/// JobStore on PostgreSQL (COSMIC_DATABASE_URL=postgresql://…), for several orchestrator replicas
/// sharing one database. Every call is one transaction on a pooled connection, repeated after a
/// transient error (the server restarted, a deadlock) until `retry_deadline`.
///
/// Outbox across replicas: each replica's relay publishes only the rows it has claimed. A replica
/// claims a job's pending rows when the job's oldest pending row is unclaimed (or its claim has
/// lapsed), taking that row with FOR UPDATE SKIP LOCKED; afterwards it also takes the job's newer
/// rows as they are written. So at any time one replica owns a job's pending rows and hands them
/// over in id order (ids of one job grow in commit order: its row is locked by every writer), and
/// each row is published by one replica. Claims are leases renewed while the replica runs; when a
/// replica dies, another takes its jobs over after `claim_lease` (at-least-once: rows acknowledged
/// but not yet marked sent are published again with the same event_id).

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/store/postgres.hpp"

namespace cosmic::orchestrator {

struct PgStoreOptions {
    std::string url;
    /// Connections at most (API handlers, executor, relay and its marker share them).
    std::size_t pool_size = 8;
    /// How long a call keeps retrying transient errors before it fails.
    std::chrono::milliseconds retry_deadline{std::chrono::seconds(30)};
    /// How long a replica's claim on a job's outbox rows lasts without renewal.
    std::chrono::milliseconds claim_lease{std::chrono::seconds(60)};
    /// Names this replica's claims (made unique with a random suffix).
    std::string instance_id = "orchestrator";
    schema::EpochClock clock = schema::NowEpochMs;
};

class PgJobStore final : public JobStore {
  public:
    /// Connects and applies the schema migrations; throws store::pg::PgError.
    explicit PgJobStore(PgStoreOptions options);
    ~PgJobStore() override;

    /// For /readyz: one query without retries; false with the error while the database is away.
    bool Ready(std::string& detail);

    CreateResult Create(const Job& job, std::string_view idempotency_key, std::string_view request_hash,
                        std::span<const OutboxMessage> events) override;
    UpdateResult Update(std::string_view job_id, const UpdateDecision& decide) override;
    std::size_t AppendEvents(std::span<const OutboxMessage> events, JobState only_in_state) override;
    std::optional<Job> Get(std::string_view job_id) override;
    JobPage List(const JobQuery& query) override;
    std::vector<Job> NextQueued(std::size_t limit) override;
    std::vector<Job> ListInState(JobState state, std::int64_t after_position, std::size_t limit) override;
    JobCounts CountByState() override;
    /// Claims jobs for this replica, then returns its claimed rows not handed to the relay yet or
    /// with id > `after_id` (0 after a rewind: all of them), in id order.
    void ReadPending(std::int64_t after_id, std::size_t limit, std::vector<OutboxRow>& out) override;
    void MarkSent(std::span<const std::int64_t> ids, std::int64_t now_ms) override;
    OutboxStats Outbox() override;
    PruneResult Prune(const PruneRequest& request) override;

    /// The URL without its password.
    const std::string& Description() const noexcept { return description_; }
    const std::string& Owner() const noexcept { return owner_; }

  private:
    void Transact(const std::function<void(store::pg::Connection&)>& work);
    void RenewClaimsIfDue(store::pg::Connection& db);

    PgStoreOptions options_;
    std::string description_;
    std::string owner_;
    std::unique_ptr<store::pg::Pool> pool_;
    std::atomic<std::int64_t> renewed_at_ms_{0};
};

}  // namespace cosmic::orchestrator
