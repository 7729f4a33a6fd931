// audit_bench: durable ingest throughput of the audit store (hash chain, checkpoints,
// synchronous=FULL) beside plain SQLite inserts of the same rows into the same table without
// the chain, measured in the same run; then verification speed and query latency.
//
// With --e2e N it also consumes N audit events from a librdkafka mock cluster through the
// consumer runner into the store (durable, batches of --batch), beside the same runner with a
// no-op batch handler in the same run.
//
//   audit_bench [--rows N] [--batch B] [--dir DIR] [--e2e N]

#include <prometheus/registry.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/audit/sqlite_schema.hpp"
#include "cosmic/audit_consumer/audit_ingest.hpp"
#include "cosmic/audit_consumer/audit_metrics.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/schema/event.hpp"

namespace {

using cosmic::audit::AuditRecord;
using Clock = std::chrono::steady_clock;

struct Args {
    std::size_t rows = 200000;
    std::size_t batch = 500;
    std::string dir;
    long e2e = 0;
    bool ceiling_only = false;  ///< only the durable store figure, as "ceiling <rows/s>" (scripts/bench)
};

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

/// CPU time of the whole process (all threads), to tell CPU cost from waiting for the disk.
double CpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct Timing {
    double wall = 0;
    double cpu = 0;
};

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
Timing PlainInserts(const std::string& path, const std::vector<AuditRecord>& rows, std::size_t batch, bool durable) {
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
    const double cpu = CpuSeconds();
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
    return {Seconds(started), CpuSeconds() - cpu};
}

Timing StoreInserts(const std::string& path, const std::vector<AuditRecord>& rows, std::size_t batch, bool durable,
                    bool background_checkpoint) {
    cosmic::audit::SqliteStoreOptions options;
    options.path = path;
    options.durable = durable;
    if (background_checkpoint) {
    } else {
        options.wal_checkpoint_interval = std::chrono::milliseconds(0);
        options.wal_autocheckpoint_pages = 1000;
    }
    cosmic::audit::SqliteAuditStore store(options);
    const auto started = Clock::now();
    const double cpu = CpuSeconds();
    for (std::size_t first = 0; first < rows.size(); first += batch) {
        const std::size_t n = std::min(batch, rows.size() - first);
        store.AppendBatch(std::span<const AuditRecord>(rows.data() + first, n));
    }
    return {Seconds(started), CpuSeconds() - cpu};
}

void Row(const char* name, std::size_t rows, Timing t, Timing baseline) {
    const double n = static_cast<double>(rows);
    char ratio[32];
    if (baseline.wall > 0) {
        std::snprintf(ratio, sizeof ratio, "%6.0f %%", 100.0 * baseline.wall / t.wall);
    } else {
        std::snprintf(ratio, sizeof ratio, "baseline");
    }
    std::printf("| %-42s | %10.0f | %8.3f | %8s | %8.3f | %12.0f |\n", name, n / t.wall, t.wall, ratio, t.cpu,
                n / t.cpu);
}

constexpr int kE2ePartitions = 40;  // the mock keeps ~5 MiB per partition: spread the load

/// Consumes `records` from audit-trail through a Runner batch handler; returns events/s from
/// the first batch to the last record.
double ConsumeThroughRunner(const cosmic::kafka::MockCluster& cluster, const std::string& group, long records,
                            std::size_t batch,
                            const std::function<void(std::span<const cosmic::kafka::Record>)>& sink) {
    cosmic::kafka::RunnerOptions options;
    options.group_id = group;
    options.topics = {"audit-trail"};
    options.client.properties = {{"bootstrap.servers", cluster.Bootstraps()}};
    options.poll_batch_size = static_cast<int>(batch);
    std::atomic<long> seen{0};
    std::atomic<long> batches{0};
    std::atomic<Clock::rep> first{0};
    std::atomic<Clock::rep> last{0};
    const double cpu = CpuSeconds();
    cosmic::kafka::Runner runner(options, std::make_shared<prometheus::Registry>());
    runner.OnBatch(
        [&](std::span<const cosmic::kafka::Record> batch_records) {
            ++batches;
            if (first.load() == 0) first = Clock::now().time_since_epoch().count();
            sink(batch_records);
            if ((seen += static_cast<long>(batch_records.size())) >= records) {
                last = Clock::now().time_since_epoch().count();
            }
            return cosmic::kafka::Outcome::kOk;
        },
        batch, std::chrono::milliseconds(50));
    runner.Start();
    while (last.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    runner.Stop();
    std::printf("  (%s: %ld batches, %.0f records per batch, %.2f cpu s)\n", group.c_str(), batches.load(),
                static_cast<double>(seen.load()) / static_cast<double>(std::max(1L, batches.load())),
                CpuSeconds() - cpu);
    return static_cast<double>(records) /
           std::chrono::duration<double>(Clock::duration(last.load() - first.load())).count();
}

int EndToEnd(long records, std::size_t batch, const std::string& dir) {
    cosmic::kafka::MockCluster cluster(1);
    cluster.CreateTopic("audit-trail", kE2ePartitions, 1);
    {
        cosmic::kafka::ClientConfig config;
        config.properties = {{"bootstrap.servers", cluster.Bootstraps()}};
        cosmic::kafka::ProducerOptions producer_options;
        producer_options.max_queued_messages = 500000;
        producer_options.max_queued_kbytes = 1 << 20;
        producer_options.enqueue_timeout = std::chrono::seconds(60);
        cosmic::kafka::Producer producer(config, producer_options, nullptr);
        for (long i = 0; i < records; ++i) {
            auto event = cosmic::schema::NewEvent(cosmic::schema::TopicId::kAuditTrail, "audit.state_change",
                                                  "job-orchestrator");
            event.resource_id = "job-" + std::to_string(i / 4);
            event.action = cosmic::schema::AuditAction::kStateChange;
            event.user_id = "user-" + std::to_string(i % 97);
            event.correlation_id = cosmic::schema::NewUuid();
            event.payload = R"({"from":"queued","to":"running","job_id":")" + event.resource_id + R"("})";
            if (auto error = producer.Publish(event)) {
                std::fprintf(stderr, "produce: %s\n", error.ToString().c_str());
                return 1;
            }
        }
        if (producer.Flush(std::chrono::seconds(300)) != 0) {
            std::fprintf(stderr, "produce: not everything delivered\n");
            return 1;
        }
    }
    std::printf("\nend to end: %ld audit events on a %d-partition mock topic, batches of %zu\n", records,
                kE2ePartitions, batch);
    const double noop = ConsumeThroughRunner(cluster, "bench-noop", records, batch, [](auto) {});
    std::printf("| %-42s | %10.0f | %8s |\n", "runner, no-op batch handler", noop, "baseline");

    cosmic::audit::SqliteStoreOptions options;
    options.path = dir + "/e2e.db";
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(options.path + suffix);
    cosmic::audit::SqliteAuditStore store(options);
    auto registry = std::make_shared<prometheus::Registry>();
    cosmic::audit::AuditMetrics metrics(*registry);
    cosmic::audit::AuditIngest ingest(store, metrics, [] { return cosmic::schema::NowEpochMs(); });
    const double audit = ConsumeThroughRunner(cluster, "bench-audit", records, batch, [&](auto batch_records) {
        if (ingest.HandleBatch(batch_records) != cosmic::kafka::Outcome::kOk) std::fprintf(stderr, "store failed\n");
    });
    char ratio[32];
    std::snprintf(ratio, sizeof ratio, "%6.0f %%", 100.0 * audit / noop);
    std::printf("| %-42s | %10.0f | %8s |\n", "runner -> audit store (chain, FULL)", audit, ratio);
    const auto report = store.Verify();
    std::printf("stored %llu rows, verify %s\n", static_cast<unsigned long long>(metrics.Stored()),
                report.ok ? "ok" : "FAILED");
    return report.ok && metrics.Stored() == static_cast<std::uint64_t>(records) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string_view flag = argv[i];
        if (flag == "--rows") {
            args.rows = std::strtoull(argv[i + 1], nullptr, 10);
        } else if (flag == "--batch") {
            args.batch = std::strtoull(argv[i + 1], nullptr, 10);
        } else if (flag == "--dir") {
            args.dir = argv[i + 1];
        } else if (flag == "--ceiling-only") {
            args.ceiling_only = true;
            --i;  // takes no value
        } else if (flag == "--e2e") {
            args.e2e = std::strtol(argv[i + 1], nullptr, 10);
        }
    }
    std::string dir = args.dir;
    if (dir.empty()) {
        std::string pattern = (std::filesystem::temp_directory_path() / "audit-bench-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) return 1;
        dir = pattern;
    }
    const auto rows = MakeRows(args.rows);
    if (args.ceiling_only) {
        const std::string path = dir + "/ceiling.db";
        const Timing store = StoreInserts(path, rows, args.batch, true, true);
        std::printf("ceiling %.0f\n", static_cast<double>(rows.size()) / store.wall);
        if (args.dir.empty()) std::filesystem::remove_all(dir);
        return 0;
    }
    std::printf("audit_bench: %zu rows, batches of %zu, 5 partitions, sqlite %s, dir %s\n\n", rows.size(), args.batch,
                sqlite3_libversion(), dir.c_str());
    std::printf("| %-42s | %10s | %8s | %8s | %8s | %12s |\n", "case", "rows/s", "wall s", "vs base", "cpu s",
                "rows/cpu-s");
    std::printf("|%s|%s|%s|%s|%s|%s|\n", std::string(44, '-').c_str(), std::string(12, '-').c_str(),
                std::string(10, '-').c_str(), std::string(10, '-').c_str(), std::string(10, '-').c_str(),
                std::string(14, '-').c_str());

    const auto file = [&](const char* name) {
        const std::string path = dir + "/" + name;
        for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
        return path;
    };
    const Timing none{};
    const Timing plain_full = PlainInserts(file("plain-full.db"), rows, args.batch, true);
    Row("plain inserts, no chain, FULL", rows.size(), plain_full, none);
    const Timing store_full_auto = StoreInserts(file("store-full-auto.db"), rows, args.batch, true, false);
    Row("audit store, chain, FULL, auto checkpoint", rows.size(), store_full_auto, plain_full);
    const Timing store_full = StoreInserts(file("store-full.db"), rows, args.batch, true, true);
    Row("audit store, chain, FULL (default)", rows.size(), store_full, plain_full);
    const Timing plain_normal = PlainInserts(file("plain-normal.db"), rows, args.batch, false);
    Row("plain inserts, no chain, NORMAL", rows.size(), plain_normal, none);
    const Timing store_normal = StoreInserts(file("store-normal.db"), rows, args.batch, false, true);
    Row("audit store, chain, NORMAL", rows.size(), store_normal, plain_normal);

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
    int rc = report.ok ? 0 : 1;
    if (args.e2e > 0 && EndToEnd(args.e2e, args.batch, dir) != 0) rc = 1;
    std::printf("RSS: %ld KiB\n", RssKib());
    if (args.dir.empty()) std::filesystem::remove_all(dir);
    return rc;
}
