#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"

#include <utility>

#include "cosmic/job_orchestrator/store/sqlite_statements.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {
namespace {

void InsertOutbox(SqliteJobStore::Writer& w, const OutboxMessage& message, std::int64_t seq, std::int64_t now_ms) {
    {
        Statement& insert = w.insert_outbox;
        StatementScope scope(insert);
        insert.Bind(1, message.job_id)
            .Bind(2, seq)
            .Bind(3, message.topic)
            .Bind(4, message.key)
            .Bind(5, message.event_id)
            .Bind(6, message.event_type)
            .BindBlob(7, message.value)
            .BindBlob(8, message.headers)
            .Bind(9, now_ms);
        insert.Run();
    }
    StatementScope scope(w.insert_pending);
    w.insert_pending.Bind(1, now_ms);
    w.insert_pending.Run();
}

void BindOptional(Statement& statement, int index, const std::optional<std::int64_t>& value) {
    if (value) {
        statement.Bind(index, *value);
    } else {
        statement.BindNull(index);
    }
}

}  // namespace

SqliteJobStore::SqliteJobStore(SqliteStoreOptions options) : options_(std::move(options)) {
    writer_ = std::make_unique<Writer>(options_.path, options_.busy_timeout_ms, options_.synchronous);
    committer_ = std::make_unique<GroupCommitter>(writer_->db);
    reader_ = std::make_unique<Reader>(options_.path, options_.busy_timeout_ms, options_.synchronous);
}

SqliteJobStore::~SqliteJobStore() = default;

CreateResult SqliteJobStore::Create(const Job& job, std::string_view idempotency_key, std::string_view request_hash,
                                    std::span<const OutboxMessage> events) {
    CreateResult result;
    committer_->Run([&] { result = CreateInTransaction(*writer_, job, idempotency_key, request_hash, events); });
    return result;
}

bool SqliteJobStore::Ready(std::string& detail) {
    try {
        Outbox();
        detail = "open";
        return true;
    } catch (const std::exception& error) {
        detail = error.what();
        return false;
    }
}

CreateResult SqliteJobStore::CreateInTransaction(Writer& w, const Job& job, std::string_view idempotency_key,
                                                 std::string_view request_hash, std::span<const OutboxMessage> events) {
    CreateResult result;
    if (!idempotency_key.empty()) {
        StatementScope scope(w.select_by_key);
        w.select_by_key.Bind(1, job.user_id).Bind(2, idempotency_key);
        if (w.select_by_key.Step()) {
            ReadJob(w.select_by_key, result.job);
            const bool same = w.select_by_key.Text(19) == request_hash;
            result.status = same ? CreateStatus::kExisting : CreateStatus::kKeyMismatch;
            return result;
        }
    }
    {
        StatementScope scope(w.job_exists);
        w.job_exists.Bind(1, job.job_id);
        if (w.job_exists.Step()) {
            result.status = CreateStatus::kDuplicateId;
            StatementScope select_scope(w.select_job);
            w.select_job.Bind(1, job.job_id);
            if (w.select_job.Step()) ReadJob(w.select_job, result.job);
            return result;
        }
    }
    const auto count = static_cast<std::int64_t>(events.size());
    {
        Statement& s = w.insert_job;
        StatementScope scope(s);
        s.Bind(1, job.job_id)
            .Bind(2, job.user_id)
            .Bind(3, job.name)
            .Bind(4, job.kind)
            .Bind(5, job.parameters)
            .Bind(6, static_cast<std::int64_t>(job.priority))
            .Bind(7, ToString(job.state))
            .Bind(8, job.created_at_ms)
            .Bind(9, job.updated_at_ms)
            .Bind(10, job.started_at_ms);
        BindOptional(s, 11, job.execution_time_ms);
        s.Bind(12, job.error)
            .Bind(13, job.error_code)
            .Bind(14, job.reason)
            .Bind(15, job.executor)
            .Bind(16, job.correlation_id)
            .Bind(17, job.traceparent);
        if (idempotency_key.empty()) {
            s.BindNull(18).BindNull(19);
        } else {
            s.Bind(18, idempotency_key).Bind(19, request_hash);
        }
        s.Bind(20, count);
        s.Run();
    }
    result.job = job;
    result.job.position = sqlite3_last_insert_rowid(w.db.Handle());
    result.job.event_seq = count;
    std::int64_t seq = 0;
    for (const OutboxMessage& message : events) {
        InsertOutbox(w, message, ++seq, job.updated_at_ms);
    }
    result.status = CreateStatus::kCreated;
    return result;
}

UpdateResult SqliteJobStore::Update(std::string_view job_id, const UpdateDecision& decide) {
    UpdateResult result;
    committer_->Run([&] { result = UpdateInTransaction(*writer_, job_id, decide); });
    return result;
}

UpdateResult SqliteJobStore::UpdateInTransaction(Writer& w, std::string_view job_id, const UpdateDecision& decide) {
    UpdateResult result;
    Job current;
    {
        StatementScope scope(w.select_job);
        w.select_job.Bind(1, job_id);
        if (!w.select_job.Step()) {
            result.status = UpdateStatus::kNotFound;
            return result;
        }
        ReadJob(w.select_job, current);
    }
    Job next = current;
    std::vector<OutboxMessage> events;
    if (!decide(current, next, events)) {
        result.status = UpdateStatus::kRejected;
        result.job = std::move(current);
        return result;
    }
    next.event_seq = current.event_seq + static_cast<std::int64_t>(events.size());
    {
        Statement& s = w.update_job;
        StatementScope scope(s);
        s.Bind(1, ToString(next.state)).Bind(2, next.updated_at_ms).Bind(3, next.started_at_ms);
        BindOptional(s, 4, next.execution_time_ms);
        s.Bind(5, next.error)
            .Bind(6, next.error_code)
            .Bind(7, next.reason)
            .Bind(8, next.executor)
            .Bind(9, static_cast<std::int64_t>(next.priority))
            .Bind(10, next.event_seq)
            .Bind(11, current.position);
        s.Run();
    }
    std::int64_t seq = current.event_seq;
    for (const OutboxMessage& message : events) {
        InsertOutbox(w, message, ++seq, next.updated_at_ms);
    }
    result.status = UpdateStatus::kApplied;
    result.job = std::move(next);
    return result;
}

std::size_t SqliteJobStore::AppendEvents(std::span<const OutboxMessage> events, JobState only_in_state) {
    if (events.empty()) return 0;
    std::size_t written = 0;
    committer_->Run([&] {
        written = 0;
        Writer& w = *writer_;
        const std::int64_t now_ms = options_.clock();
        for (const OutboxMessage& message : events) {
            std::int64_t seq = 0;
            {
                StatementScope scope(w.bump_seq);
                w.bump_seq.Bind(1, message.job_id).Bind(2, ToString(only_in_state));
                if (!w.bump_seq.Step()) continue;  // gone or moved on: the sample is stale
                seq = w.bump_seq.Int(0);
            }
            InsertOutbox(w, message, seq, now_ms);
            ++written;
        }
    });
    return written;
}

std::optional<Job> SqliteJobStore::Get(std::string_view job_id) {
    std::lock_guard lock(reader_mutex_);
    Statement& s = reader_->select_job;
    StatementScope scope(s);
    s.Bind(1, job_id);
    if (!s.Step()) return std::nullopt;
    Job job;
    ReadJob(s, job);
    return job;
}

JobPage SqliteJobStore::List(const JobQuery& query) {
    std::string sql = "SELECT " + std::string(kJobColumns) + " FROM jobs WHERE 1 = 1";
    if (query.user_id) sql += " AND user_id = ?1";
    if (query.state) sql += " AND state = ?2";
    if (query.before_position) sql += " AND position < ?3";
    sql += " ORDER BY position DESC LIMIT ?4";
    std::lock_guard lock(reader_mutex_);
    Statement s = reader_->db.Prepare(sql);
    if (query.user_id) s.Bind(1, *query.user_id);
    if (query.state) s.Bind(2, ToString(*query.state));
    if (query.before_position) s.Bind(3, *query.before_position);
    // One extra row tells whether another page follows.
    s.Bind(4, static_cast<std::int64_t>(query.limit + 1));
    JobPage page;
    while (s.Step()) {
        if (page.jobs.size() == query.limit) {
            page.next_position = page.jobs.back().position;
            break;
        }
        ReadJob(s, page.jobs.emplace_back());
    }
    return page;
}

std::vector<Job> SqliteJobStore::NextQueued(std::size_t limit) {
    std::lock_guard lock(reader_mutex_);
    Statement& s = reader_->next_queued;
    StatementScope scope(s);
    s.Bind(1, static_cast<std::int64_t>(limit));
    std::vector<Job> jobs;
    while (s.Step()) ReadJob(s, jobs.emplace_back());
    return jobs;
}

std::vector<Job> SqliteJobStore::ListInState(JobState state, std::int64_t after_position, std::size_t limit) {
    std::lock_guard lock(reader_mutex_);
    Statement& s = reader_->list_in_state;
    StatementScope scope(s);
    s.Bind(1, ToString(state)).Bind(2, after_position).Bind(3, static_cast<std::int64_t>(limit));
    std::vector<Job> jobs;
    while (s.Step()) ReadJob(s, jobs.emplace_back());
    return jobs;
}

JobCounts SqliteJobStore::CountByState() {
    std::lock_guard lock(reader_mutex_);
    Statement& s = reader_->count_by_state;
    StatementScope scope(s);
    JobCounts counts{};
    while (s.Step()) {
        if (auto state = ParseJobState(s.Text(0))) counts[static_cast<std::size_t>(*state)] = s.Int(1);
    }
    return counts;
}

}  // namespace cosmic::orchestrator
