// audit_bench: durable ingest throughput of the audit store (hash chain, checkpoints,
// synchronous=FULL) beside plain SQLite inserts of the same rows into the same table without
// the chain, measured in the same run; then verification speed and query latency.
//
//   audit_bench [--rows N] [--batch B] [--dir DIR]

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/sqlite_audit_store.hpp"
#include "store/sqlite_schema.hpp"

namespace {

using cosmic::audit::AuditRecord;
using Clock = std::chrono::steady_clock;

struct Args {
    std::size_t rows = 200000;
    std::size_t batch = 500;
    std::string dir;
};

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

long RssKib() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::strtol(line.c_str() + 6, nullptr, 10);
    }
    return -1;
}

std::string Iso(std::int64_t ms) {
    const std::time_t s = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&s, &tm);
    char out[40];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm);
    return std::string(out) + "." + std::to_string(1000 + ms % 1000).substr(1) + "Z";
}

/// Rows shaped like the orchestrator's STATE_CHANGE events (~450 bytes of fields), spread over
/// the audit-trail's 5 partitions in offset order.
std::vector<AuditRecord> MakeRows(std::size_t count) {
    std::vector<AuditRecord> rows(count);
    const std::int64_t base = 1767225600000;
    for (std::size_t i = 0; i < count; ++i) {
        AuditRecord& r = rows[i];
        const auto partition = static_cast<std::int32_t>(i % 5);
        r.topic = "audit-trail";
        r.partition = partition;
        r.offset = static_cast<std::int64_t>(i / 5);
        r.kafka_timestamp_ms = base + static_cast<std::int64_t>(i);
        char uuid[64];
        std::snprintf(uuid, sizeof uuid, "6f1c2a3b-%04zx-4e5f-8a9b-%012zx", i % 0xffff, i);
        r.event_id = uuid;
        r.event_type = "audit.state_change";
        r.occurred_at_ms = base + static_cast<std::int64_t>(i);
        r.occurred_at = Iso(r.occurred_at_ms);
        r.source = "job-orchestrator";
        r.correlation_id = "req-" + std::to_string(i * 7919 % 1000003);
        r.user_id = "user-" + std::to_string(i % 97);
        r.resource_id = "job-" + std::to_string(i / 4);
        r.job_id = r.resource_id;
        r.action = "STATE_CHANGE";
        r.payload =
            R"({"from":"queued","to":"running","job_id":")" + r.job_id + R"(","name":"imaging run )" +
            std::to_string(i) +
            R"(","kind":"imaging","priority":5,"node":"worker-07","attempt":1,"note":"state transition recorded by the orchestrator"})";
    }
    return rows;
}

/// Plain inserts into the same table (same columns and indexes), no hashing: the baseline.
double PlainInserts(const std::string& path, const std::vector<AuditRecord>& rows, std::size_t batch, bool durable) {
    cosmic::audit::Database db(path, cosmic::audit::Database::Mode::kReadWrite);
    db.Exec("PRAGMA journal_mode = WAL");
    db.Exec(durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
    db.Exec("PRAGMA cache_size = -16384");
    db.Exec(cosmic::audit::kCreateSchemaSql);
    auto insert = db.Prepare(R"sql(
INSERT INTO audit_events (topic, partition, "offset", kafka_timestamp_ms, valid, violation, raw, event_id,
    event_type, occurred_at, occurred_at_ms, source, correlation_id, user_id, resource_id, job_id, action, payload,
    ingested_at_ms, prev_hash, hash)
VALUES (?1, ?2, ?3, ?4, 1, NULL, NULL, ?5, ?6, ?7, ?8, ?9, ?10, NULLIF(?11, ''), NULLIF(?12, ''), NULLIF(?13, ''),
    NULLIF(?14, ''), ?15, 0, x'', x''))sql");
    const auto started = Clock::now();
    for (std::size_t first = 0; first < rows.size(); first += batch) {
        cosmic::audit::Transaction txn(db);
        for (std::size_t i = first; i < std::min(rows.size(), first + batch); ++i) {
            const AuditRecord& r = rows[i];
            insert.Reset();
            insert.BindStatic(1, r.topic)
                .Bind(2, std::int64_t{r.partition})
                .Bind(3, r.offset)
                .Bind(4, r.kafka_timestamp_ms);
            insert.BindStatic(5, r.event_id)
                .BindStatic(6, r.event_type)
                .BindStatic(7, r.occurred_at)
                .Bind(8, r.occurred_at_ms);
            insert.BindStatic(9, r.source).BindStatic(10, r.correlation_id).BindStatic(11, r.user_id);
            insert.BindStatic(12, r.resource_id)
                .BindStatic(13, r.job_id)
                .BindStatic(14, r.action)
                .BindStatic(15, r.payload);
            insert.Run();
        }
        txn.Commit();
    }
    return Seconds(started);
}

double StoreInserts(const std::string& path, const std::vector<AuditRecord>& rows, std::size_t batch, bool durable) {
    cosmic::audit::SqliteStoreOptions options;
    options.path = path;
    options.durable = durable;
    cosmic::audit::SqliteAuditStore store(options);
    const auto started = Clock::now();
    for (std::size_t first = 0; first < rows.size(); first += batch) {
        const std::size_t n = std::min(batch, rows.size() - first);
        store.AppendBatch(std::span<const AuditRecord>(rows.data() + first, n));
    }
    return Seconds(started);
}

void Row(const char* name, std::size_t rows, double seconds, double baseline_seconds) {
    const double rate = static_cast<double>(rows) / seconds;
    if (baseline_seconds > 0) {
        std::printf("| %-44s | %12.0f | %8.3f | %6.0f %% |\n", name, rate, seconds, 100.0 * baseline_seconds / seconds);
    } else {
        std::printf("| %-44s | %12.0f | %8.3f | %8s |\n", name, rate, seconds, "baseline");
    }
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--rows") == 0)
            args.rows = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--batch") == 0)
            args.batch = std::strtoull(argv[i + 1], nullptr, 10);
        else if (std::strcmp(argv[i], "--dir") == 0)
            args.dir = argv[i + 1];
    }
    std::string dir = args.dir;
    if (dir.empty()) {
        std::string pattern = (std::filesystem::temp_directory_path() / "audit-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) return 1;
        dir = pattern;
    }
    const auto rows = MakeRows(args.rows);
    std::printf("audit_bench: %zu rows, batches of %zu, 5 partitions, sqlite %s, dir %s\n\n", rows.size(), args.batch,
                sqlite3_libversion(), dir.c_str());
    std::printf("| %-44s | %12s | %8s | %8s |\n", "case", "rows/s", "seconds", "vs base");
    std::printf("|%s|%s|%s|%s|\n", std::string(46, '-').c_str(), std::string(14, '-').c_str(),
                std::string(10, '-').c_str(), std::string(10, '-').c_str());

    const auto file = [&](const char* name) {
        const std::string path = dir + "/" + name;
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
        return path;
    };
    const double plain_full = PlainInserts(file("plain-full.db"), rows, args.batch, true);
    Row("plain inserts, no chain, synchronous=FULL", rows.size(), plain_full, 0);
    const double store_full = StoreInserts(file("store-full.db"), rows, args.batch, true);
    Row("audit store, chain, synchronous=FULL", rows.size(), store_full, plain_full);
    const double plain_normal = PlainInserts(file("plain-normal.db"), rows, args.batch, false);
    Row("plain inserts, no chain, synchronous=NORMAL", rows.size(), plain_normal, 0);
    const double store_normal = StoreInserts(file("store-normal.db"), rows, args.batch, false);
    Row("audit store, chain, synchronous=NORMAL", rows.size(), store_normal, plain_normal);

    // Verification of the durable store, offline (as cosmicctl does it) and live.
    const auto started = Clock::now();
    const auto report = cosmic::audit::VerifyDatabaseFile(dir + "/store-full.db");
    const double verify_seconds = Seconds(started);
    std::printf("\nverify (offline, %s): %llu rows, %llu checkpoints in %.3f s = %.0f rows/s\n",
                report.ok ? "ok" : "FAILED", static_cast<unsigned long long>(report.rows_checked),
                static_cast<unsigned long long>(report.checkpoints_checked), verify_seconds,
                static_cast<double>(report.rows_checked) / verify_seconds);

    // Query latency: first page by resource and a full scan page, 200 times each.
    {
        cosmic::audit::SqliteStoreOptions options;
        options.path = dir + "/store-full.db";
        cosmic::audit::SqliteAuditStore store(options);
        std::vector<double> micros;
        for (int i = 0; i < 200; ++i) {
            cosmic::audit::QueryFilter f;
            f.resource_id = "job-" + std::to_string((i * 7919) % (rows.size() / 4));
            f.limit = 100;
            const auto t = Clock::now();
            const auto page = store.Query(f);
            micros.push_back(Seconds(t) * 1e6);
            if (page.rows.empty()) std::printf("query returned nothing\n");
        }
        std::sort(micros.begin(), micros.end());
        std::printf("query by resource_id (limit 100): p50 %.0f us, p95 %.0f us, p99 %.0f us\n", micros[100],
                    micros[190], micros[198]);
        const auto t = Clock::now();
        const auto compliance = store.Report(1767225600000);
        std::printf("compliance report over %llu rows: %.3f s (verify included)\n",
                    static_cast<unsigned long long>(compliance.total_events), Seconds(t));
    }
    std::printf("RSS: %ld KiB\n", RssKib());
    if (args.dir.empty()) std::filesystem::remove_all(dir);
    return report.ok ? 0 : 1;
}
