#include "cosmic/job_orchestrator/store/pg_job_store.hpp"

#include <algorithm>
#include <random>
#include <utility>

#include "cosmic/job_orchestrator/store/pg_schema.hpp"

namespace cosmic::orchestrator {
namespace {

using store::pg::Connection;
using store::pg::Params;
using store::pg::Result;
using store::pg::Statement;

const std::string kColumns(kPgJobColumns);

const Statement kSelectJob{"job_select", "SELECT " + kColumns + " FROM jobs WHERE job_id = $1"};
const Statement kSelectJobForUpdate{"job_select_for_update",
                                    "SELECT " + kColumns + " FROM jobs WHERE job_id = $1 FOR UPDATE"};
const Statement kSelectByKey{"job_select_by_key", "SELECT " + kColumns +
                                                      ", request_hash FROM jobs WHERE user_id = $1 AND "
                                                      "idempotency_key = $2"};
// ON CONFLICT without a target covers both the job id and the (user, key) index: a concurrent
// replica's insert of the same key waits for that one to commit, then inserts nothing.
const Statement kInsertJob{
    "job_insert",
    "INSERT INTO jobs(job_id, user_id, name, kind, parameters, priority, state, created_at_ms, updated_at_ms, "
    "started_at_ms, execution_time_ms, error, error_code, reason, executor, correlation_id, traceparent, "
    "idempotency_key, request_hash, last_seq) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,"
    "$18,$19,$20) ON CONFLICT DO NOTHING RETURNING position"};
const Statement kUpdateJob{"job_update",
                           "UPDATE jobs SET state = $1, updated_at_ms = $2, started_at_ms = $3, execution_time_ms = "
                           "$4, error = $5, error_code = $6, reason = $7, executor = $8, priority = $9, last_seq = "
                           "$10 WHERE position = $11"};
const Statement kBumpSeq{"job_bump_seq",
                         "UPDATE jobs SET last_seq = last_seq + 1 WHERE job_id = $1 AND state = $2 RETURNING last_seq"};
const Statement kInsertOutbox{
    "outbox_insert",
    "WITH o AS (INSERT INTO outbox(job_id, seq, topic, msg_key, event_id, event_type, value, headers, "
    "created_at_ms) VALUES($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id, job_id, created_at_ms) "
    "INSERT INTO outbox_pending(id, job_id, created_at_ms) SELECT id, job_id, created_at_ms FROM o"};
const Statement kNextQueued{"job_next_queued", "SELECT " + kColumns +
                                                   " FROM jobs WHERE state = 'queued' ORDER BY priority DESC, "
                                                   "position ASC LIMIT $1"};
const Statement kListInState{
    "job_list_in_state",
    "SELECT " + kColumns + " FROM jobs WHERE state = $1 AND position > $2 ORDER BY position ASC LIMIT $3"};
const Statement kCountByState{"job_count_by_state", "SELECT state, count(*) FROM jobs GROUP BY state"};

// Claims. All of one replica's claiming runs under one transaction-level advisory lock, so two
// replicas never decide about the same job at once; the claim transactions are short.
const Statement kClaimLock{"outbox_claim_lock", "SELECT pg_advisory_xact_lock(hashtext('cosmic-outbox-claim'))"};
const Statement kRenewClaims{"outbox_renew", "UPDATE outbox_pending SET claim_until_ms = $2 WHERE claimed_by = $1"};
// Rows written since for jobs this replica owns.
const Statement kClaimFollowers{
    "outbox_claim_followers",
    "UPDATE outbox_pending o SET claimed_by = $1, claim_until_ms = $2, handed = false WHERE o.claimed_by IS NULL "
    "AND EXISTS (SELECT 1 FROM outbox_pending h WHERE h.job_id = o.job_id AND h.claimed_by = $1 AND h.id < o.id)"};
// New jobs: the oldest pending row of the job is free (or its lease lapsed); take every row of it.
const Statement kClaimHeads{
    "outbox_claim_heads",
    "WITH heads AS (SELECT p.id, p.job_id FROM outbox_pending p WHERE (p.claimed_by IS NULL OR p.claim_until_ms < "
    "$3) AND NOT EXISTS (SELECT 1 FROM outbox_pending q WHERE q.job_id = p.job_id AND q.id < p.id) ORDER BY p.id "
    "LIMIT $4 FOR UPDATE SKIP LOCKED) "
    "UPDATE outbox_pending o SET claimed_by = $1, claim_until_ms = $2, handed = false FROM heads WHERE o.job_id = "
    "heads.job_id AND (o.claimed_by IS NULL OR o.claim_until_ms < $3 OR o.claimed_by = $1)"};
const Statement kPick{
    "outbox_pick",
    "WITH picked AS (SELECT id FROM outbox_pending WHERE claimed_by = $1 AND (NOT handed OR id > $2) ORDER BY id "
    "LIMIT $3), marked AS (UPDATE outbox_pending p SET handed = true FROM picked WHERE p.id = picked.id) "
    "SELECT o.id, o.job_id, o.seq, o.topic, o.msg_key, o.event_id, o.value, o.headers, o.created_at_ms FROM outbox o "
    "JOIN picked ON o.id = picked.id ORDER BY o.id"};
const Statement kMarkSent{"outbox_mark_sent", "DELETE FROM outbox_pending WHERE id = ANY($1::bigint[])"};
const Statement kOutboxStats{"outbox_stats", "SELECT count(*), min(created_at_ms) FROM outbox_pending"};
// Chunked retention: $1 = cutoff (ms), $2 = chunk size.
const Statement kPruneOutbox{"outbox_prune",
                             "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.created_at_ms < $1 "
                             "AND NOT EXISTS (SELECT 1 FROM outbox_pending p WHERE p.id = o.id) ORDER BY o.id LIMIT "
                             "$2)"};
const Statement kPruneKeys{"jobs_prune_keys",
                           "UPDATE jobs SET idempotency_key = NULL, request_hash = NULL WHERE position IN (SELECT "
                           "position FROM jobs WHERE idempotency_key IS NOT NULL AND created_at_ms < $1 LIMIT $2)"};
const Statement kPruneJobs{"jobs_prune",
                           "DELETE FROM jobs WHERE position IN (SELECT position FROM jobs WHERE state IN "
                           "('completed', 'failed', 'cancelled') AND updated_at_ms < $1 ORDER BY position LIMIT $2)"};

void InsertOutbox(Connection& db, const OutboxMessage& message, std::int64_t seq, std::int64_t now_ms) {
    db.Run(kInsertOutbox, Params()
                              .Add(message.job_id)
                              .Add(seq)
                              .Add(message.topic)
                              .Add(message.key)
                              .Add(message.event_id)
                              .Add(message.event_type)
                              .AddBytes(message.value)
                              .AddBytes(message.headers)
                              .Add(now_ms));
}

void AddOptional(Params& params, const std::optional<std::int64_t>& value) {
    if (value) {
        params.Add(*value);
    } else {
        params.AddNull();
    }
}

std::string RandomSuffix() {
    std::random_device device;
    std::uniform_int_distribution<std::uint32_t> hex(0, 0xffffff);
    char text[8];
    std::snprintf(text, sizeof(text), "%06x", hex(device));
    return text;
}

std::vector<Job> ReadJobs(const Result& rows) {
    std::vector<Job> jobs(static_cast<std::size_t>(rows.Rows()));
    for (int i = 0; i < rows.Rows(); ++i) ReadJob(rows, i, jobs[static_cast<std::size_t>(i)]);
    return jobs;
}

}  // namespace

PgJobStore::PgJobStore(PgStoreOptions options)
    : options_(std::move(options)),
      description_(store::pg::RedactUrl(options_.url)),
      owner_(options_.instance_id + "-" + RandomSuffix()) {
    store::pg::PoolOptions pool;
    pool.url = options_.url;
    pool.size = options_.pool_size;
    pool_ = std::make_unique<store::pg::Pool>(pool);
    Transact([](Connection& db) { store::pg::Migrate(db, "job-orchestrator", JobStoreMigrations()); });
}

PgJobStore::~PgJobStore() = default;

void PgJobStore::Transact(const std::function<void(Connection&)>& work) {
    store::pg::RetryOptions retry;
    retry.deadline = options_.retry_deadline;
    store::pg::WithRetry(*pool_, work, retry);
}

bool PgJobStore::Ready(std::string& detail) {
    try {
        store::pg::Pool::Lease db = pool_->Acquire();
        db->Run(kOutboxStats);
        detail = "open";
        return true;
    } catch (const std::exception& error) {
        detail = error.what();
        return false;
    }
}

CreateResult PgJobStore::Create(const Job& job, std::string_view idempotency_key, std::string_view request_hash,
                                std::span<const OutboxMessage> events) {
    CreateResult result;
    Transact([&](Connection& db) {
        result = CreateResult{};
        auto existing_by_key = [&]() {
            if (idempotency_key.empty()) return false;
            const Result rows = db.Run(kSelectByKey, Params().Add(job.user_id).Add(idempotency_key));
            if (rows.Rows() == 0) return false;
            ReadJob(rows, 0, result.job);
            result.status = rows.Text(0, 19) == request_hash ? CreateStatus::kExisting : CreateStatus::kKeyMismatch;
            return true;
        };
        store::pg::Transaction tx(db);
        if (existing_by_key()) return;
        const auto count = static_cast<std::int64_t>(events.size());
        Params params;
        params.Add(job.job_id)
            .Add(job.user_id)
            .Add(job.name)
            .Add(job.kind)
            .Add(job.parameters)
            .Add(job.priority)
            .Add(ToString(job.state))
            .Add(job.created_at_ms)
            .Add(job.updated_at_ms)
            .Add(job.started_at_ms);
        AddOptional(params, job.execution_time_ms);
        params.Add(job.error)
            .Add(job.error_code)
            .Add(job.reason)
            .Add(job.executor)
            .Add(job.correlation_id)
            .Add(job.traceparent);
        if (idempotency_key.empty()) {
            params.AddNull().AddNull();
        } else {
            params.Add(idempotency_key).Add(request_hash);
        }
        params.Add(count);
        const Result inserted = db.Run(kInsertJob, params);
        if (inserted.Rows() == 0) {
            // Another transaction holds the key or the id (it committed while this one waited).
            if (existing_by_key()) return;
            result.status = CreateStatus::kDuplicateId;
            const Result rows = db.Run(kSelectJob, Params().Add(job.job_id));
            if (rows.Rows() > 0) ReadJob(rows, 0, result.job);
            return;
        }
        result.job = job;
        result.job.position = inserted.Int(0, 0);
        result.job.event_seq = count;
        std::int64_t seq = 0;
        for (const OutboxMessage& message : events) InsertOutbox(db, message, ++seq, job.updated_at_ms);
        tx.Commit();
        result.status = CreateStatus::kCreated;
    });
    return result;
}

UpdateResult PgJobStore::Update(std::string_view job_id, const UpdateDecision& decide) {
    UpdateResult result;
    Transact([&](Connection& db) {
        result = UpdateResult{};
        store::pg::Transaction tx(db);
        // The row lock orders writers of one job: its outbox ids grow in commit order.
        const Result rows = db.Run(kSelectJobForUpdate, Params().Add(job_id));
        if (rows.Rows() == 0) {
            result.status = UpdateStatus::kNotFound;
            return;
        }
        Job current;
        ReadJob(rows, 0, current);
        Job next = current;
        std::vector<OutboxMessage> events;
        if (!decide(current, next, events)) {
            result.status = UpdateStatus::kRejected;
            result.job = std::move(current);
            return;
        }
        next.event_seq = current.event_seq + static_cast<std::int64_t>(events.size());
        Params params;
        params.Add(ToString(next.state)).Add(next.updated_at_ms).Add(next.started_at_ms);
        AddOptional(params, next.execution_time_ms);
        params.Add(next.error)
            .Add(next.error_code)
            .Add(next.reason)
            .Add(next.executor)
            .Add(next.priority)
            .Add(next.event_seq)
            .Add(current.position);
        db.Run(kUpdateJob, params);
        std::int64_t seq = current.event_seq;
        for (const OutboxMessage& message : events) InsertOutbox(db, message, ++seq, next.updated_at_ms);
        tx.Commit();
        result.status = UpdateStatus::kApplied;
        result.job = std::move(next);
    });
    return result;
}

std::size_t PgJobStore::AppendEvents(std::span<const OutboxMessage> events, JobState only_in_state) {
    if (events.empty()) return 0;
    std::size_t written = 0;
    Transact([&](Connection& db) {
        written = 0;
        store::pg::Transaction tx(db);
        const std::int64_t now_ms = options_.clock();
        const std::string state(ToString(only_in_state));
        for (const OutboxMessage& message : events) {
            const Result seq = db.Run(kBumpSeq, Params().Add(message.job_id).Add(state));
            if (seq.Rows() == 0) continue;  // gone or moved on: the sample is stale
            InsertOutbox(db, message, seq.Int(0, 0), now_ms);
            ++written;
        }
        tx.Commit();
    });
    return written;
}

std::optional<Job> PgJobStore::Get(std::string_view job_id) {
    std::optional<Job> job;
    Transact([&](Connection& db) {
        job.reset();
        const Result rows = db.Run(kSelectJob, Params().Add(job_id));
        if (rows.Rows() > 0) ReadJob(rows, 0, job.emplace());
    });
    return job;
}

JobPage PgJobStore::List(const JobQuery& query) {
    std::string sql = "SELECT " + kColumns + " FROM jobs WHERE true";
    Params params;
    if (query.user_id) {
        params.Add(*query.user_id);
        sql += " AND user_id = $" + std::to_string(params.Count());
    }
    if (query.state) {
        params.Add(ToString(*query.state));
        sql += " AND state = $" + std::to_string(params.Count());
    }
    if (query.before_position) {
        params.Add(*query.before_position);
        sql += " AND position < $" + std::to_string(params.Count());
    }
    // One extra row tells whether another page follows.
    params.Add(static_cast<std::int64_t>(query.limit + 1));
    sql += " ORDER BY position DESC LIMIT $" + std::to_string(params.Count());
    JobPage page;
    Transact([&](Connection& db) {
        page = JobPage{};
        const Result rows = db.RunOnce(sql, params);
        for (int i = 0; i < rows.Rows(); ++i) {
            if (page.jobs.size() == query.limit) {
                page.next_position = page.jobs.back().position;
                break;
            }
            ReadJob(rows, i, page.jobs.emplace_back());
        }
    });
    return page;
}

std::vector<Job> PgJobStore::NextQueued(std::size_t limit) {
    std::vector<Job> jobs;
    Transact(
        [&](Connection& db) { jobs = ReadJobs(db.Run(kNextQueued, Params().Add(static_cast<std::int64_t>(limit)))); });
    return jobs;
}

std::vector<Job> PgJobStore::ListInState(JobState state, std::int64_t after_position, std::size_t limit) {
    std::vector<Job> jobs;
    Transact([&](Connection& db) {
        jobs = ReadJobs(db.Run(
            kListInState, Params().Add(ToString(state)).Add(after_position).Add(static_cast<std::int64_t>(limit))));
    });
    return jobs;
}

JobCounts PgJobStore::CountByState() {
    JobCounts counts{};
    Transact([&](Connection& db) {
        counts = JobCounts{};
        const Result rows = db.Run(kCountByState);
        for (int i = 0; i < rows.Rows(); ++i) {
            if (auto state = ParseJobState(rows.Text(i, 0))) counts[static_cast<std::size_t>(*state)] = rows.Int(i, 1);
        }
    });
    return counts;
}

void PgJobStore::RenewClaimsIfDue(Connection& db) {
    const std::int64_t now_ms = options_.clock();
    const std::int64_t lease_ms = options_.claim_lease.count();
    if (now_ms - renewed_at_ms_.load() < lease_ms / 3) return;
    db.Run(kRenewClaims, Params().Add(owner_).Add(now_ms + lease_ms));
    renewed_at_ms_ = now_ms;
}

void PgJobStore::ReadPending(std::int64_t after_id, std::size_t limit, std::vector<OutboxRow>& out) {
    Transact([&](Connection& db) {
        out.clear();
        const std::int64_t now_ms = options_.clock();
        const std::int64_t until_ms = now_ms + options_.claim_lease.count();
        const auto batch = static_cast<std::int64_t>(std::max<std::size_t>(1, limit));
        store::pg::Transaction tx(db);
        db.Run(kClaimLock);
        RenewClaimsIfDue(db);
        db.Run(kClaimFollowers, Params().Add(owner_).Add(until_ms));
        db.Run(kClaimHeads, Params().Add(owner_).Add(until_ms).Add(now_ms).Add(batch));
        const Result rows = db.Run(kPick, Params().Add(owner_).Add(after_id).Add(batch));
        tx.Commit();
        out.resize(static_cast<std::size_t>(rows.Rows()));
        for (int i = 0; i < rows.Rows(); ++i) {
            OutboxRow& row = out[static_cast<std::size_t>(i)];
            row.id = rows.Int(i, 0);
            row.job_id = rows.Text(i, 1);
            row.seq = rows.Int(i, 2);
            row.topic = rows.Text(i, 3);
            row.key = rows.Text(i, 4);
            row.event_id = rows.Text(i, 5);
            row.value = rows.Bytes(i, 6);
            row.headers = rows.Bytes(i, 7);
            row.created_at_ms = rows.Int(i, 8);
        }
    });
}

void PgJobStore::MarkSent(std::span<const std::int64_t> ids, std::int64_t /*now_ms*/) {
    if (ids.empty()) return;
    const Params params = Params().AddArray(ids);
    Transact([&](Connection& db) {
        db.Run(kMarkSent, params);
        RenewClaimsIfDue(db);
    });
}

OutboxStats PgJobStore::Outbox() {
    OutboxStats stats;
    Transact([&](Connection& db) {
        stats = OutboxStats{};
        const Result rows = db.Run(kOutboxStats);
        stats.pending = rows.Int(0, 0);
        if (!rows.IsNull(0, 1)) stats.oldest_pending_ms = rows.Int(0, 1);
        // The stats timer runs even while the relay waits for acknowledgements (Kafka away, the
        // in-flight window full): renewing here keeps this replica's jobs from being taken over
        // while their rows are still in its producer.
        RenewClaimsIfDue(db);
    });
    return stats;
}

PruneResult PgJobStore::Prune(const PruneRequest& request) {
    const auto chunk = static_cast<std::int64_t>(std::max<std::size_t>(1, request.chunk));
    auto chunked = [&](const Statement& statement, std::int64_t cutoff) {
        std::int64_t total = 0;
        for (;;) {
            std::int64_t changed = 0;
            Transact([&](Connection& db) { changed = db.Run(statement, Params().Add(cutoff).Add(chunk)).Affected(); });
            total += changed;
            if (changed < chunk) return total;
        }
    };
    PruneResult result;
    result.outbox_rows = chunked(kPruneOutbox, request.sent_before_ms);
    result.idempotency_keys = chunked(kPruneKeys, request.idempotency_before_ms);
    if (request.terminal_jobs_before_ms) result.jobs = chunked(kPruneJobs, *request.terminal_jobs_before_ms);
    return result;
}

}  // namespace cosmic::orchestrator
