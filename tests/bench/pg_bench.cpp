// pg_bench: the stateful services' durable write paths on PostgreSQL against SQLite, in one run on
// one machine (a local PostgreSQL started in a temporary directory with fsync and
// synchronous_commit on; SQLite with synchronous=FULL):
//
//   orchestrator write   jobs through their whole life via JobService (9 outbox events per job),
//                        W writer threads
//   orchestrator relay   the outbox drained to the mock cluster (3 brokers, acks=all) until every
//                        row is marked sent; on PostgreSQL also with two relays (two replicas
//                        claiming jobs from one database)
//   audit ingest         audit records appended in batches (hash chain, checkpoints), durable
//
//   pg_bench [--jobs N] [--writers W] [--rows N] [--batch B]
//
// Needs Debian's postgresql package (initdb, pg_ctl). Build in Release for numbers.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cosmic/audit/pg_audit_store.hpp"
#include "cosmic/audit/sqlite_audit_store.hpp"
#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/outbox_relay.hpp"
#include "cosmic/job_orchestrator/store/pg_job_store.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/testing/postgres_server.hpp"
#include "cosmic/testing/temp_dir.hpp"

namespace {

using namespace cosmic;
using Clock = std::chrono::steady_clock;

struct Args {
    int jobs = 2000;
    int writers = 4;
    int rows = 20000;
    int batch = 500;
};

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void PrintRow(const char* stage, const char* backend, double items, double seconds, const char* unit) {
    std::printf("%-20s %-11s %9.0f %8.2f %11.0f %s/s\n", stage, backend, items, seconds, items / seconds, unit);
}

double WriteJobs(orchestrator::JobStore& store, const Args& args) {
    orchestrator::JobService jobs(store, {});
    const auto user =
        orchestrator::MakeContext(orchestrator::Actor{orchestrator::ActorKind::kUser, "bench", false}, "", "");
    const auto system =
        orchestrator::MakeContext(orchestrator::Actor{orchestrator::ActorKind::kSystem, "", false}, "", "");
    schema::MetricsSample sample;
    sample.cpu_percent = 50;
    sample.memory_mb = 1024;
    sample.sampled_at = schema::FormatTimestamp(schema::NowEpochMs());
    const auto start = Clock::now();
    std::atomic<int> next{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < args.writers; ++w) {
        writers.emplace_back([&] {
            for (int i = next.fetch_add(1); i < args.jobs; i = next.fetch_add(1)) {
                orchestrator::SubmitRequest request;
                request.name = "bench job " + std::to_string(i);
                request.kind = "imaging";
                request.parameters = R"({"band":"L","beams":36})";
                const auto submitted = jobs.Submit(request, user);
                jobs.Start(submitted.job.job_id, orchestrator::kSimulatedExecutor, system);
                jobs.Complete(submitted.job.job_id, 1000 + i % 1000, system, sample);
            }
        });
    }
    for (auto& writer : writers) writer.join();
    return Seconds(start);
}

/// Drains the outbox through `relays` relays (one per store: replicas); returns the wall time.
double Drain(const std::vector<orchestrator::JobStore*>& stores, kafka::MockCluster& cluster, std::int64_t events) {
    kafka::ClientConfig client;
    client.properties["bootstrap.servers"] = cluster.Bootstraps();
    kafka::ProducerOptions options;
    options.linger = std::chrono::milliseconds(5);
    options.max_queued_messages = 200'000;
    std::vector<std::unique_ptr<kafka::Producer>> producers;
    std::vector<std::unique_ptr<orchestrator::OutboxRelay>> relays;
    for (orchestrator::JobStore* store : stores) {
        options.client_id = "pg-bench-" + std::to_string(producers.size());
        producers.push_back(std::make_unique<kafka::Producer>(client, options, nullptr));
        orchestrator::RelayOptions relay;
        relay.poll_interval = std::chrono::milliseconds(20);
        relays.push_back(std::make_unique<orchestrator::OutboxRelay>(*store, *producers.back(), relay));
    }
    const auto start = Clock::now();
    for (auto& relay : relays) relay->Start();
    for (;;) {
        std::uint64_t published = 0;
        for (auto& relay : relays) published += relay->Stats().published;
        if (published >= static_cast<std::uint64_t>(events)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    for (auto& relay : relays) relay->Stop(Clock::now() + std::chrono::seconds(10));
    const double seconds = Seconds(start);
    if (stores.front()->Outbox().pending != 0) std::fprintf(stderr, "relay: rows left pending\n");
    return seconds;
}

std::vector<audit::AuditRecord> AuditRecords(int count) {
    std::vector<audit::AuditRecord> records(static_cast<std::size_t>(count));
    const std::int64_t now = schema::NowEpochMs();
    for (int i = 0; i < count; ++i) {
        audit::AuditRecord& r = records[static_cast<std::size_t>(i)];
        r.topic = "audit-trail";
        r.partition = i % 6;
        r.offset = i / 6;
        r.kafka_timestamp_ms = now;
        r.event_id = schema::NewUuid();
        r.event_type = "audit.state_change";
        r.occurred_at = schema::FormatTimestamp(now);
        r.occurred_at_ms = now;
        r.source = "job-orchestrator";
        r.correlation_id = "corr-" + std::to_string(i);
        r.user_id = "u" + std::to_string(i % 50);
        r.resource_id = "job-" + std::to_string(i % 997);
        r.job_id = r.resource_id;
        r.action = "STATE_CHANGE";
        r.payload = R"({"from":"queued","to":"running","executor":"simulated"})";
    }
    // Batches hold each partition's records in offset order, as the consumer hands them over.
    std::stable_sort(records.begin(), records.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
    return records;
}

double Ingest(audit::AuditStore& store, const std::vector<audit::AuditRecord>& records, int batch) {
    const auto start = Clock::now();
    for (std::size_t i = 0; i < records.size(); i += static_cast<std::size_t>(batch)) {
        const std::size_t n = std::min(records.size() - i, static_cast<std::size_t>(batch));
        store.AppendBatch(std::span<const audit::AuditRecord>(records.data() + i, n));
    }
    return Seconds(start);
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--jobs") == 0) args.jobs = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--writers") == 0) args.writers = std::max(1, std::atoi(argv[i + 1]));
        if (std::strcmp(argv[i], "--rows") == 0) args.rows = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--batch") == 0) args.batch = std::max(1, std::atoi(argv[i + 1]));
    }
    cosmic::testing::TempDir dir("pg-bench");
    cosmic::testing::PostgresOptions pg_options;
    pg_options.durable = true;
    cosmic::testing::PostgresServer server(pg_options);
    kafka::MockCluster cluster(3);
    cluster.CreateTableTopics();
    const std::int64_t events = static_cast<std::int64_t>(args.jobs) * 9;

    std::printf("pg_bench: %d jobs (%lld events), %d writers; %d audit rows in batches of %d; durable on both\n",
                args.jobs, static_cast<long long>(events), args.writers, args.rows, args.batch);
    std::printf("%-20s %-11s %9s %8s %11s\n", "stage", "backend", "items", "wall s", "rate");
    {
        orchestrator::SqliteStoreOptions options;
        options.path = dir.File("orchestrator.db");
        options.synchronous = "FULL";
        orchestrator::SqliteJobStore store(options);
        PrintRow("orchestrator write", "sqlite", events, WriteJobs(store, args), "events");
        PrintRow("orchestrator relay", "sqlite", events, Drain({&store}, cluster, events), "events");
    }
    for (int replicas : {1, 2}) {
        orchestrator::PgStoreOptions options;
        options.url = server.CreateDatabase("orchestrator_" + std::to_string(replicas));
        options.pool_size = static_cast<std::size_t>(args.writers + 2);
        std::vector<std::unique_ptr<orchestrator::PgJobStore>> stores;
        for (int r = 0; r < replicas; ++r) {
            options.instance_id = "bench-" + std::to_string(r);
            stores.push_back(std::make_unique<orchestrator::PgJobStore>(options));
        }
        const double write = WriteJobs(*stores.front(), args);
        if (replicas == 1) PrintRow("orchestrator write", "postgresql", events, write, "events");
        std::vector<orchestrator::JobStore*> raw;
        for (auto& store : stores) raw.push_back(store.get());
        PrintRow(replicas == 1 ? "orchestrator relay" : "orchestrator relay×2", "postgresql", events,
                 Drain(raw, cluster, events), "events");
    }
    const std::vector<audit::AuditRecord> records = AuditRecords(args.rows);
    {
        audit::SqliteStoreOptions options;
        options.path = dir.File("audit.db");
        options.durable = true;
        audit::SqliteAuditStore store(options);
        PrintRow("audit ingest", "sqlite", args.rows, Ingest(store, records, args.batch), "rows");
    }
    {
        audit::PgAuditStoreOptions options;
        options.url = server.CreateDatabase("audit");
        options.durable = true;
        audit::PgAuditStore store(options);
        PrintRow("audit ingest", "postgresql", args.rows, Ingest(store, records, args.batch), "rows");
    }
    std::printf("max RSS %ld MB\n", bench::MaxRssMb());
    return 0;
}
