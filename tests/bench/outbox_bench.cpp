// outbox_bench: throughput of the job-orchestrator's transactional outbox on the dev broker (the
// librdkafka mock cluster, 3 brokers, acks=all, idempotent producer, per-topic compression):
//
//   write      jobs through their whole life via JobService (submit, queue, start, complete with
//              a final metrics sample): 9 events per job, one SQLite transaction per state change
//   relay      the OutboxRelay draining that outbox: read in id order, produce, wait for the
//              broker's ack, mark sent (events/s counted from start until every row is marked)
//   baseline   the same records produced straight from memory with the same producer settings,
//              no store (the ceiling the relay is measured against)
//
// Wall time and process CPU time (all threads, the in-process brokers included) per stage: on a
// busy shared machine the CPU column is the steadier comparison. Also reports RSS. Build in Release for numbers:
// -DCMAKE_BUILD_TYPE=Release.
//
//   outbox_bench [--jobs N] [--writers N] [--synchronous normal|full] [--batch N] [--in-flight N]
//
// With several writers (threads submitting jobs at once) the store group-commits: concurrent changes
// share one transaction and one fsync; the write row reports changes per commit.

#include <stdlib.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cosmic/job_orchestrator/job_service.hpp"
#include "cosmic/job_orchestrator/outbox_relay.hpp"
#include "cosmic/job_orchestrator/store/sqlite_job_store.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/kafka/producer.hpp"

namespace {

using namespace cosmic;
using Clock = std::chrono::steady_clock;
using bench::CpuSeconds;

struct Args {
    int jobs = 20'000;
    int writers = 1;
    std::string synchronous = "NORMAL";
    std::size_t batch = 2000;
    std::size_t in_flight = 20'000;
};

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

// Process CPU time (every thread: the store, the relay, librdkafka and the in-process mock brokers),
// so a busy shared machine shows up as wall time, not as cost.
kafka::ProducerOptions ProducerSettings() {
    kafka::ProducerOptions options;
    options.client_id = "outbox-bench";
    options.linger = std::chrono::milliseconds(5);
    options.max_queued_messages = 200'000;
    return options;
}

kafka::ClientConfig Client(const kafka::MockCluster& cluster) {
    kafka::ClientConfig client;
    client.properties["bootstrap.servers"] = cluster.Bootstraps();
    return client;
}

void PrintRow(const char* name, double events, double seconds, double cpu, const std::string& note) {
    std::printf("%-10s %9.0f %8.2f %11.0f %8.2f %12.0f   %s\n", name, events, seconds, events / seconds, cpu,
                events / cpu, note.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    Args args;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--jobs") == 0) args.jobs = std::atoi(argv[i + 1]);
        if (std::strcmp(argv[i], "--writers") == 0) args.writers = std::max(1, std::atoi(argv[i + 1]));
        if (std::strcmp(argv[i], "--synchronous") == 0)
            args.synchronous = std::strcmp(argv[i + 1], "full") == 0 ? "FULL" : "NORMAL";
        if (std::strcmp(argv[i], "--batch") == 0) args.batch = static_cast<std::size_t>(std::atoi(argv[i + 1]));
        if (std::strcmp(argv[i], "--in-flight") == 0) args.in_flight = static_cast<std::size_t>(std::atoi(argv[i + 1]));
    }
    std::string dir = (std::filesystem::temp_directory_path() / "outbox-bench-XXXXXX").string();
    if (mkdtemp(dir.data()) == nullptr) return 1;

    kafka::MockCluster cluster(3);
    cluster.CreateTableTopics();

    orchestrator::SqliteStoreOptions store_options;
    store_options.path = dir + "/orchestrator.db";
    store_options.synchronous = args.synchronous;
    orchestrator::SqliteJobStore store(store_options);
    orchestrator::JobService jobs(store, {});

    // 1. write: whole job lives through the state machine.
    const auto write_start = Clock::now();
    const double write_cpu_start = CpuSeconds();
    const auto user =
        orchestrator::MakeContext(orchestrator::Actor{orchestrator::ActorKind::kUser, "bench", false}, "", "");
    const auto system =
        orchestrator::MakeContext(orchestrator::Actor{orchestrator::ActorKind::kSystem, "", false}, "", "");
    schema::MetricsSample sample;
    sample.cpu_percent = 50;
    sample.memory_mb = 1024;
    sample.sampled_at = schema::FormatTimestamp(schema::NowEpochMs());
    {
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
    }
    const double write_seconds = Seconds(write_start);
    const double write_cpu = CpuSeconds() - write_cpu_start;
    const double changes_per_commit =
        static_cast<double>(store.Changes()) / static_cast<double>(std::max<std::uint64_t>(1, store.Commits()));
    const auto stats = store.Outbox();
    const double events = static_cast<double>(stats.pending);

    // Keep a copy of the rows for the baseline.
    std::vector<orchestrator::OutboxRow> rows;
    {
        std::vector<orchestrator::OutboxRow> page;
        std::int64_t after = 0;
        for (;;) {
            store.ReadPending(after, 10'000, page);
            if (page.empty()) break;
            after = page.back().id;
            for (auto& row : page) rows.push_back(std::move(row));
        }
    }

    // 2. baseline: the same records straight from memory.
    double baseline_seconds = 0;
    double baseline_cpu = 0;
    {
        kafka::Producer producer(Client(cluster), ProducerSettings(), nullptr);
        std::atomic<std::size_t> acked{0};
        kafka::Headers headers;
        const auto start = Clock::now();
        const double cpu_start = CpuSeconds();
        for (const auto& row : rows) {
            orchestrator::DecodeHeaders(row.headers, headers);
            kafka::OutgoingMessage message;
            message.topic = row.topic;
            message.key = row.key;
            message.value = row.value;
            message.headers = headers;
            if (producer.Send(message, [&acked](const kafka::DeliveryReport& r) {
                    if (!r.error) acked.fetch_add(1);
                })) {
                std::fprintf(stderr, "baseline: send failed\n");
                return 1;
            }
        }
        producer.Flush(std::chrono::seconds(120));
        baseline_seconds = Seconds(start);
        baseline_cpu = CpuSeconds() - cpu_start;
        if (acked.load() != rows.size()) std::fprintf(stderr, "baseline: only %zu acked\n", acked.load());
    }

    // 3. relay: drain the outbox until every row is marked sent.
    double relay_seconds = 0;
    double relay_cpu = 0;
    {
        kafka::Producer producer(Client(cluster), ProducerSettings(), nullptr);
        orchestrator::RelayOptions relay_options;
        relay_options.batch_size = args.batch;
        relay_options.max_in_flight = args.in_flight;
        orchestrator::OutboxRelay relay(store, producer, relay_options);
        const auto start = Clock::now();
        const double cpu_start = CpuSeconds();
        relay.Start();
        // Poll the relay's own counter: counting pending rows in the store would compete with it.
        while (relay.Stats().published < static_cast<std::uint64_t>(events)) {
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
        }
        // Stop returns once the marker committed the last acknowledged rows.
        relay.Stop(Clock::now() + std::chrono::seconds(10));
        relay_seconds = Seconds(start);
        relay_cpu = CpuSeconds() - cpu_start;
        if (store.Outbox().pending != 0) std::fprintf(stderr, "relay: rows left pending\n");
    }

    std::printf(
        "outbox_bench: %d jobs, %.0f events (9 per job), %d writer(s), synchronous=%s, batch %zu, "
        "in-flight %zu\n",
        args.jobs, events, args.writers, args.synchronous.c_str(), args.batch, args.in_flight);
    std::printf("%-10s %9s %8s %11s %8s %12s   %s\n", "stage", "events", "wall s", "events/s", "cpu s", "events/cpu-s",
                "note");
    PrintRow("write", events, write_seconds, write_cpu,
             std::to_string(static_cast<long>(args.jobs / write_seconds)) + " jobs/s through the state machine, " +
                 std::to_string(changes_per_commit).substr(0, 4) + " changes/commit");
    PrintRow("baseline", events, baseline_seconds, baseline_cpu, "producer only, same records, acks=all");
    PrintRow("relay", events, relay_seconds, relay_cpu,
             std::to_string(static_cast<long>(args.jobs / relay_seconds)) + " jobs/s durable; " +
                 std::to_string(static_cast<int>(100.0 * baseline_seconds / relay_seconds)) + "% of baseline (wall), " +
                 std::to_string(static_cast<int>(100.0 * baseline_cpu / relay_cpu)) + "% (cpu)");
    std::printf("max RSS %ld MB\n", bench::MaxRssMb());
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return 0;
}
