// The read side of SqliteAuditStore: query, verification and the compliance report, all on the
// read-only connection pool.

#include <algorithm>
#include <limits>
#include <string>

#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/audit/sqlite_schema.hpp"

namespace cosmic::audit {

QueryPage SqliteAuditStore::Query(const QueryFilter& filter) {
    // The statement text depends only on which filters are present; every value is a bound
    // parameter, so the text set is small and each variant is prepared once per connection.
    std::string sql = "SELECT " + std::string(kRecordColumns) + " FROM audit_events WHERE 1 = 1";
    int index = 0;
    const auto clause = [&](std::string_view column_and_op) {
        sql.append(" AND ").append(column_and_op).append(" ?").append(std::to_string(++index));
    };
    if (filter.resource_id) clause("resource_id =");
    if (filter.job_id) clause("job_id =");
    if (filter.user_id) clause("user_id =");
    if (filter.action) clause("action =");
    if (filter.from_ms) clause("occurred_at_ms >=");
    if (filter.to_ms) clause("occurred_at_ms <");
    if (filter.valid) clause("valid =");
    if (filter.cursor) clause(filter.descending ? "row_id <" : "row_id >");
    sql.append(filter.descending ? " ORDER BY row_id DESC" : " ORDER BY row_id");
    sql.append(" LIMIT ?").append(std::to_string(++index));

    const std::size_t limit = std::max<std::size_t>(filter.limit, 1);
    auto reader = readers_->Acquire();
    Statement& stmt = reader->Cached(sql);
    int bind = 0;
    if (filter.resource_id) stmt.Bind(++bind, std::string_view(*filter.resource_id));
    if (filter.job_id) stmt.Bind(++bind, std::string_view(*filter.job_id));
    if (filter.user_id) stmt.Bind(++bind, std::string_view(*filter.user_id));
    if (filter.action) stmt.Bind(++bind, std::string_view(*filter.action));
    if (filter.from_ms) stmt.Bind(++bind, *filter.from_ms);
    if (filter.to_ms) stmt.Bind(++bind, *filter.to_ms);
    if (filter.valid) stmt.Bind(++bind, std::int64_t{*filter.valid ? 1 : 0});
    if (filter.cursor) stmt.Bind(++bind, *filter.cursor);
    // One extra row tells whether another page exists.
    stmt.Bind(++bind, static_cast<std::int64_t>(limit + 1));

    QueryPage page;
    page.rows.reserve(std::min<std::size_t>(limit, 1024));
    bool more = false;
    while (stmt.Step()) {
        if (page.rows.size() == limit) {
            more = true;
            break;
        }
        ReadStoredRecord(stmt, page.rows.emplace_back());
    }
    stmt.Reset();
    if (more) page.next_cursor = page.rows.back().row_id;
    return page;
}

VerifyReport SqliteAuditStore::Verify() {
    std::lock_guard verify_lock(verify_mutex_);
    auto reader = readers_->Acquire();
    Database& db = reader->Db();
    Transaction snapshot(db, Transaction::Kind::kDeferred);
    const std::vector<ChainHead> heads = SnapshotWithHeads(db);
    VerifyReport report = VerifyChains(db, heads);
    snapshot.Commit();
    return report;
}

ComplianceReport SqliteAuditStore::Report(std::int64_t now_ms) {
    std::lock_guard verify_lock(verify_mutex_);
    auto reader = readers_->Acquire();
    Database& db = reader->Db();
    Transaction snapshot(db, Transaction::Kind::kDeferred);
    const std::vector<ChainHead> heads = SnapshotWithHeads(db);

    ComplianceReport report;
    report.generated_at_ms = now_ms;
    report.retention_days = options_.retention_ms / kDayMs;
    Statement& stats = reader->Cached(
        "SELECT COUNT(*), COALESCE(SUM(valid = 0), 0), COUNT(DISTINCT resource_id), COUNT(DISTINCT job_id), "
        "MIN(occurred_at_ms), MAX(occurred_at_ms), COALESCE(SUM(occurred_at_ms < ?1), 0) FROM audit_events");
    stats.Bind(1, now_ms - options_.retention_ms);
    if (stats.Step()) {
        report.total_events = static_cast<std::uint64_t>(stats.Int(0));
        report.invalid_events = static_cast<std::uint64_t>(stats.Int(1));
        report.resources_covered = static_cast<std::uint64_t>(stats.Int(2));
        report.jobs_covered = static_cast<std::uint64_t>(stats.Int(3));
        if (!stats.IsNull(4)) report.oldest_event_ms = stats.Int(4);
        if (!stats.IsNull(5)) report.newest_event_ms = stats.Int(5);
        report.overdue_events = static_cast<std::uint64_t>(stats.Int(6));
    }
    stats.Reset();
    report.retention_compliant = report.overdue_events == 0;

    Statement& last = reader->Cached("SELECT " + std::string(kCheckpointColumns) +
                                     " FROM checkpoints WHERE kind = 'periodic' ORDER BY checkpoint_id DESC LIMIT 1");
    if (last.Step()) ReadCheckpoint(last, report.last_checkpoint.emplace());
    last.Reset();

    report.verify = VerifyChains(db, heads);
    snapshot.Commit();
    return report;
}

PeriodCounts SqliteAuditStore::CountPeriod(const ReportPeriod& period) {
    auto reader = readers_->Acquire();
    // Open ends bind the extreme values, so one statement serves every period.
    Statement& stmt = reader->Cached(
        "SELECT event_type, action, COUNT(*), COALESCE(SUM(valid = 0), 0) FROM audit_events "
        "WHERE occurred_at_ms >= ?1 AND occurred_at_ms < ?2 GROUP BY event_type, action");
    stmt.Bind(1, period.from_ms.value_or(std::numeric_limits<std::int64_t>::min()));
    stmt.Bind(2, period.to_ms.value_or(std::numeric_limits<std::int64_t>::max()));
    PeriodCounts counts;
    while (stmt.Step()) {
        const std::string event_type = stmt.IsNull(0) ? std::string() : std::string(stmt.Text(0));
        const std::string action = stmt.IsNull(1) ? std::string() : std::string(stmt.Text(1));
        const auto rows = static_cast<std::uint64_t>(stmt.Int(2));
        counts.events += rows;
        counts.invalid += static_cast<std::uint64_t>(stmt.Int(3));
        counts.by_event_type[event_type] += rows;
        counts.by_action[action] += rows;
    }
    stmt.Reset();
    return counts;
}

}  // namespace cosmic::audit
