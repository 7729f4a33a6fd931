#include "cosmic/audit_consumer/audit_ingest.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <string>

#include "cosmic/audit/sqlite_types.hpp"

namespace cosmic::audit {

// Retry or dead-letter a batch the store refused? The audit trail must not lose records, and a
// dead letter takes the whole batch out of the trail until someone replays it, so only a failure
// that writing the same records again can never fix is a dead letter:
// - The store's state can heal: another connection holds the lock (SQLITE_BUSY / LOCKED), the
//   disk is full, an I/O error, a read-only or missing file an operator fixes, even a corrupt
//   file an operator restores. Retry with the reason: the records wait in Kafka, the partition
//   stalls visibly (log, cosmic_retries_total), and after audit.retry_max_attempts the runner
//   dead-letters them anyway. A UNIQUE / PRIMARY KEY conflict also belongs here: it means the
//   store's chain heads disagree with its file, which a restart (reloading the heads) heals.
// - The records themselves are the cause: a value beyond SQLite's length limit (SQLITE_TOOBIG),
//   a value of the wrong type (SQLITE_MISMATCH), a row a CHECK / NOT NULL constraint refuses.
//   Every retry fails the same way, so dead-letter the batch at once (the runner's batch outcome
//   covers every record of it) instead of stalling the partition for all the attempts.
bool AuditIngest::CanHeal(const StoreError& error) noexcept {
    const int code = error.SqliteCode();
    switch (code & 0xff) {
        case SQLITE_TOOBIG:
        case SQLITE_MISMATCH:
            return false;
        case SQLITE_CONSTRAINT:
            return code == SQLITE_CONSTRAINT_UNIQUE || code == SQLITE_CONSTRAINT_PRIMARYKEY;
        default:
            return true;
    }
}

// PostgreSQL: the server restarting, a deadlock, a full disk (class 53) heal. The records are the
// cause when the server refuses their data (class 22: e.g. a NUL character or invalid UTF-8 in a
// text column, class 54: beyond a limit) or a CHECK / NOT NULL constraint refuses a row (class 23,
// except a unique conflict, which as in SQLite means the heads disagree with the table).
bool AuditIngest::CanHeal(const store::pg::PgError& error) noexcept {
    if (error.Transient()) return true;
    const std::string& state = error.SqlState();
    if (state.starts_with("22") || state.starts_with("54")) return false;
    if (state.starts_with("23")) return error.UniqueViolation();
    return true;
}

kafka::Outcome AuditIngest::Failed(std::size_t records, bool heals, std::string_view what) {
    metrics_.OnStoreError();
    std::uint64_t suppressed = 0;
    if (error_log_.Allow(suppressed)) {
        spdlog::error("audit store: writing a batch of {} records failed, {}: {} ({} similar suppressed)", records,
                      heals ? "will retry" : "dead-lettering it", what, suppressed);
    }
    std::string reason = std::string("audit store: ").append(what);
    if (heals) return kafka::Outcome::Retry(std::move(reason));
    return kafka::Outcome::DeadLetter(std::string(kStoreRejected), std::move(reason));
}

AuditIngest::AuditIngest(AuditStore& store, AuditMetrics& metrics, Clock clock)
    : store_(store), metrics_(metrics), clock_(std::move(clock)) {}

kafka::Outcome AuditIngest::HandleBatch(std::span<const kafka::Record> records) {
    if (batch_.size() < records.size()) batch_.resize(records.size());
    const std::int64_t now_ms = clock_();
    for (std::size_t i = 0; i < records.size(); ++i) mapper_.Map(records[i], now_ms, batch_[i]);

    const auto started = std::chrono::steady_clock::now();
    try {
        const AppendResult result = store_.AppendBatch(std::span<const AuditRecord>(batch_.data(), records.size()));
        metrics_.OnAppend(result, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        return kafka::Outcome::Ok();
    } catch (const store::pg::PgError& error) {
        return Failed(records.size(), CanHeal(error), error.what());
    } catch (const StoreError& error) {
        return Failed(records.size(), CanHeal(error), error.what());
    }
}

}  // namespace cosmic::audit
