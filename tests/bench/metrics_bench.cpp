// metrics_bench: the metrics-consumer's numbers, each beside a baseline measured in the same run.
//
//   metrics_bench [pipeline] [--events N] [--jobs N] [--rounds N] [--parse-threads N]
//       job.metrics records pre-produced to an in-process mock cluster (20 partitions, lz4), then
//       consumed by fresh groups:
//         raw-poll      librdkafka consumer poll loop, counting records          (baseline)
//         raw+parse     the same loop + schema parse (what any JSON consumer pays)
//         raw+parse+agg the same loop + schema parse + validation + aggregation (no runner)
//         pipeline      kafka::Runner (offset store, metrics, dispatch) + the service handler
//                       (--parse-threads sets RunnerOptions::parse_threads; default as shipped)
//       events/s by wall time from the first to the last record, and CPU seconds of the process
//       over the same span; best of --rounds.
//   metrics_bench rss [--max-jobs N] [--short-ids]
//       RSS (/proc/self/statm) after feeding 10k, 100k and 1M distinct job ids (one sample each,
//       distinct event ids) straight into the aggregator, max_jobs = 100k by default.
//   metrics_bench locks [--jobs N] [--samples N] [--dedupe N]
//       One writer adding samples while a reader ranks the top jobs in a loop: writer samples/s
//       and reader queries/s with 1 shard (a single mutex) and with 16 shards.
//
// Build in Release (-DCMAKE_BUILD_TYPE=Release) for meaningful numbers.

#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/metrics_consumer/job_aggregator.hpp"
#include "cosmic/metrics_consumer/metrics_service.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using cosmic::metrics::AggregatorOptions;
using cosmic::metrics::JobAggregator;
namespace schema = cosmic::schema;
namespace kafka = cosmic::kafka;
using cosmic::bench::CpuSeconds;
using cosmic::bench::Phase;
using cosmic::bench::RawLoop;
using cosmic::bench::Set;

constexpr const char* kTopic = "job-metrics";

double ThreadCpuSeconds() {
    timespec now{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
    return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

double RssMiB() {
    std::ifstream statm("/proc/self/statm");
    long pages = 0;
    long resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

long Flag(int argc, char** argv, const char* name, long fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0) return std::atol(argv[i + 1]);
    }
    return fallback;
}

bool Has(int argc, char** argv, const char* name) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0) return true;
    }
    return false;
}

schema::Event MakeSample(const std::string& job, const std::string& user, int i) {
    schema::Event event = schema::NewEvent(schema::TopicId::kJobMetrics, "job.metrics", "loadgen");
    event.job_id = job;
    event.user_id = user;
    event.correlation_id = event.event_id;
    event.sample.cpu_percent = 5 + i % 90;
    event.sample.memory_mb = 256 + i % 4096;
    event.sample.io_read_mb = i % 100;
    event.sample.io_write_mb = i % 50;
    event.sample.execution_time_ms = 1000 + (i % 600) * 100;
    event.sample.sampled_at = event.occurred_at;
    event.payload = schema::MetricsPayload(event.sample);
    return event;
}

// ---------------------------------------------------------------------------------------------
// pipeline

std::size_t ProduceRecords(const std::string& bootstrap, long events, long jobs) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", bootstrap);
    Set(conf, "compression.type", "lz4");
    Set(conf, "linger.ms", "20");
    Set(conf, "batch.num.messages", "10000");
    Set(conf, "queue.buffering.max.messages", "1000000");
    char error[256];
    rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
    if (producer == nullptr) throw std::runtime_error(error);
    std::vector<std::string> job_ids;
    for (long j = 0; j < jobs; ++j) job_ids.push_back("job-" + schema::NewUuid());
    std::size_t bytes = 0;
    std::string value;
    for (long i = 0; i < events; ++i) {
        const std::string& job = job_ids[static_cast<std::size_t>(i % jobs)];
        schema::Serialize(MakeSample(job, "user-" + std::to_string(i % 100), static_cast<int>(i)), value);
        bytes += value.size();
        while (true) {
            const rd_kafka_resp_err_t err = rd_kafka_producev(
                producer, RD_KAFKA_V_TOPIC(kTopic), RD_KAFKA_V_KEY(job.data(), job.size()),
                RD_KAFKA_V_VALUE(value.data(), value.size()), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
            if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
            if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) throw std::runtime_error(rd_kafka_err2str(err));
            rd_kafka_poll(producer, 10);
        }
        rd_kafka_poll(producer, 0);
    }
    if (rd_kafka_flush(producer, 120000) != RD_KAFKA_RESP_ERR_NO_ERROR) throw std::runtime_error("flush timed out");
    rd_kafka_destroy(producer);
    return bytes / static_cast<std::size_t>(events);
}

Phase RunnerPipeline(const std::string& bootstrap, const std::string& group, long events, long parse_threads) {
    JobAggregator aggregator;
    kafka::RunnerOptions options;
    options.group_id = group;
    options.topics = {kTopic};
    options.client.properties["bootstrap.servers"] = bootstrap;
    options.dead_letter_queue = false;
    if (parse_threads >= 0) options.parse_threads = static_cast<std::size_t>(parse_threads);
    kafka::Runner runner(options, nullptr);

    std::atomic<long> handled{0};
    Clock::time_point start;
    Clock::time_point end;
    double cpu_start = 0;
    double cpu_end = 0;
    runner.On("job.metrics", [&](const schema::Event& event, const kafka::Delivery&) {
        if (handled.load(std::memory_order_relaxed) == 0) {
            start = Clock::now();
            cpu_start = CpuSeconds();
        }
        const kafka::Outcome outcome = cosmic::metrics::MetricsService::Aggregate(aggregator, event);  // the service's
        if (handled.fetch_add(1, std::memory_order_release) + 1 == events) {
            end = Clock::now();
            cpu_end = CpuSeconds();
        }
        return outcome;
    });
    runner.Start();
    const auto give_up = Clock::now() + std::chrono::minutes(5);
    while (handled.load(std::memory_order_acquire) < events && Clock::now() < give_up) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // waiting for the run to end, not syncing
    }
    runner.Stop();
    Phase phase;
    phase.events = handled.load();
    phase.wall_s = std::chrono::duration<double>(end - start).count();
    phase.cpu_s = cpu_end - cpu_start;
    if (aggregator.Totals().samples != static_cast<std::uint64_t>(phase.events)) {
        std::fprintf(stderr, "aggregated %llu of %ld\n", static_cast<unsigned long long>(aggregator.Totals().samples),
                     phase.events);
    }
    return phase;
}

int Pipeline(int argc, char** argv) {
    const long events = Flag(argc, argv, "--events", 200'000);
    const long jobs = Flag(argc, argv, "--jobs", 10'000);
    const long rounds = Flag(argc, argv, "--rounds", 3);
    // --only N runs just one variant (0 raw, 1 parse, 2 parse+agg, 3 pipeline), e.g. under perf.
    const long only = Flag(argc, argv, "--only", -1);
    const long parse_threads = Flag(argc, argv, "--parse-threads", -1);
    const auto wanted = [only](long variant) { return only < 0 || only == variant; };
    kafka::MockCluster cluster(1);
    cluster.CreateTopic(kTopic, 20);
    const std::size_t bytes = ProduceRecords(cluster.Bootstraps(), events, jobs);
    std::printf("metrics_bench pipeline: %ld records (%zu bytes avg), %ld jobs, 20 partitions, lz4; best of %ld\n",
                events, bytes, jobs, rounds);

    // Best wall rate and best CPU rate are kept apart: on a shared machine they come from
    // different rounds.
    struct Best {
        Phase wall;
        Phase cpu;
    };
    Best raw;
    Best parse_only;
    Best parsed;
    Best pipeline;
    const auto best = [](Best& into, const Phase& got) {
        if (got.PerSecond() > into.wall.PerSecond()) into.wall = got;
        if (got.PerCpuSecond() > into.cpu.PerCpuSecond()) into.cpu = got;
    };
    for (long round = 0; round < rounds; ++round) {
        const std::string suffix = "-" + std::to_string(round);
        if (wanted(0))
            best(raw,
                 RawLoop(cluster.Bootstraps(), "bench-raw" + suffix, kTopic, events, [](const rd_kafka_message_t*) {}));

        schema::Parser parser;
        schema::Event event;
        std::size_t valid = 0;
        if (wanted(1))
            best(parse_only, RawLoop(cluster.Bootstraps(), "bench-parse-only" + suffix, kTopic, events,
                                     [&](const rd_kafka_message_t* m) {
                                         const std::string_view bytes(static_cast<const char*>(m->payload), m->len);
                                         if (!parser.Parse(schema::TopicId::kJobMetrics, bytes, event)) ++valid;
                                     }));
        if (wanted(1) && valid == 0) throw std::runtime_error("no record parsed");

        JobAggregator aggregator;
        if (wanted(2))
            best(parsed, RawLoop(cluster.Bootstraps(), "bench-parse" + suffix, kTopic, events,
                                 [&](const rd_kafka_message_t* m) {
                                     const std::string_view bytes(static_cast<const char*>(m->payload), m->len);
                                     if (!parser.Parse(schema::TopicId::kJobMetrics, bytes, event)) {
                                         aggregator.Add(event, cosmic::metrics::CoarseNowMs());
                                     }
                                 }));
        if (wanted(3))
            best(pipeline, RunnerPipeline(cluster.Bootstraps(), "bench-pipeline" + suffix, events, parse_threads));
    }

    std::printf("%-16s %12s %9s %14s %9s %10s\n", "variant", "events/s", "vs raw", "events/cpu-s", "vs raw",
                "cpu-ns/ev");
    for (const auto& [name, phase] : {std::pair<const char*, Best&>{"raw-poll", raw},
                                      {"raw+parse", parse_only},
                                      {"raw+parse+agg", parsed},
                                      {"pipeline", pipeline}}) {
        std::printf("%-16s %12.0f %8.0f%% %14.0f %8.0f%% %10.0f\n", name, phase.wall.PerSecond(),
                    100.0 * phase.wall.PerSecond() / raw.wall.PerSecond(), phase.cpu.PerCpuSecond(),
                    100.0 * phase.cpu.PerCpuSecond() / raw.cpu.PerCpuSecond(), 1e9 / phase.cpu.PerCpuSecond());
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// rss

int Rss(int argc, char** argv) {
    const auto max_jobs = static_cast<std::size_t>(Flag(argc, argv, "--max-jobs", 100'000));
    const bool short_ids = Has(argc, argv, "--short-ids");
    const double before = RssMiB();
    JobAggregator aggregator(AggregatorOptions{max_jobs, 100'000, 16});
    const double base = RssMiB();
    std::printf("metrics_bench rss: max_jobs=%zu, dedupe_window=100000, 16 shards, %s job ids\n", max_jobs,
                short_ids ? "12-byte" : "40-byte (job-<uuid>)");
    std::printf("%-22s %10s %12s %14s\n", "distinct jobs fed", "RSS MiB", "growth MiB", "jobs tracked");
    std::printf("%-22s %10.1f %12s %14s\n", "(process start)", before, "", "");
    std::printf("%-22s %10.1f %12.1f %14d\n", "0 (aggregator built)", base, base - before, 0);

    schema::Event event = MakeSample("", "user-1", 1);
    long fed = 0;
    double at_cap = 0;
    for (const long target : {10'000L, 100'000L, 1'000'000L, 2'000'000L}) {
        for (; fed < target; ++fed) {
            char id[64];
            if (short_ids) {
                std::snprintf(id, sizeof(id), "job-%08ld", fed);
                event.job_id = id;
            } else {
                event.job_id = "job-" + schema::NewUuid();
            }
            event.event_id = schema::NewUuid();
            event.user_id = "user-" + std::to_string(fed % 1000);
            event.sample.cpu_percent = static_cast<double>(fed % 100);
            aggregator.Add(event, fed);
        }
        const double rss = RssMiB();
        if (target == static_cast<long>(max_jobs)) at_cap = rss;
        std::printf("%-22ld %10.1f %12.1f %14zu\n", target, rss, rss - base, aggregator.Totals().jobs);
    }
    if (at_cap > 0) {
        // The dedupe window is allocated up front, so it is part of the base, not of the growth.
        std::printf("bytes per tracked job at the cap (node, index, id, user pool): %.0f\n",
                    (at_cap - base) * 1024 * 1024 / static_cast<double>(max_jobs));
    }
    return 0;
}

// ---------------------------------------------------------------------------------------------
// locks

int Locks(int argc, char** argv) {
    const long jobs = Flag(argc, argv, "--jobs", 100'000);
    const long samples = Flag(argc, argv, "--samples", 2'000'000);
    // The service's window is 100k event ids; 0 (the default here) leaves deduplication out.
    const auto dedupe = static_cast<std::size_t>(Flag(argc, argv, "--dedupe", 0));
    std::vector<schema::Event> events;
    for (long j = 0; j < std::min<long>(jobs, 1000); ++j) events.push_back(MakeSample("", "u", static_cast<int>(j)));
    std::vector<std::string> job_ids;
    for (long j = 0; j < jobs; ++j) job_ids.push_back("job-" + schema::NewUuid());
    // Distinct event ids (more than the window holds), so every sample is new to the window.
    std::vector<std::string> event_ids;
    if (dedupe > 0) {
        for (std::size_t i = 0; i < 4 * dedupe; ++i) event_ids.push_back(schema::NewUuid());
    }
    std::printf(
        "metrics_bench locks: %ld samples over %ld jobs, dedupe window %zu, one writer; reader ranks top 10 by cpu\n",
        samples, jobs, dedupe);
    std::printf("%-8s %-8s %16s %18s %14s\n", "shards", "reader", "writer samples/s", "writer cpu-ns/add",
                "reader q/s");
    for (const std::size_t shards : {std::size_t{1}, std::size_t{16}}) {
        for (const bool with_reader : {false, true}) {
            // Room for twice the jobs: per-shard caps would otherwise evict in the fuller shards.
            JobAggregator aggregator(AggregatorOptions{static_cast<std::size_t>(2 * jobs), dedupe, shards});
            // Every job exists before timing starts, so each query ranks the full table.
            for (long j = 0; j < jobs; ++j) {
                events[0].job_id = job_ids[static_cast<std::size_t>(j)];
                if (dedupe > 0) events[0].event_id = "pre-" + std::to_string(j);  // not a duplicate
                aggregator.Add(events[0], 0);
            }
            std::atomic<bool> done{false};
            std::atomic<long> queries{0};
            std::thread reader;
            if (with_reader) {
                reader = std::thread([&] {
                    while (!done.load(std::memory_order_relaxed)) {
                        (void)aggregator.Top(cosmic::metrics::TopBy::kCpu, 10);
                        queries.fetch_add(1, std::memory_order_relaxed);
                    }
                });
            }
            const auto start = Clock::now();
            const double cpu_start = ThreadCpuSeconds();
            for (long i = 0; i < samples; ++i) {
                schema::Event& event = events[static_cast<std::size_t>(i) % events.size()];
                // A fixed pseudo-random walk over the jobs: samples of many jobs interleave, as
                // they do across partitions, and the hardware prefetcher cannot follow.
                event.job_id = job_ids[static_cast<std::size_t>((i * 7919) % jobs)];
                if (dedupe > 0) event.event_id = event_ids[static_cast<std::size_t>(i) % event_ids.size()];
                aggregator.Add(event, i);
            }
            const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
            const double cpu = ThreadCpuSeconds() - cpu_start;
            done = true;
            if (reader.joinable()) reader.join();
            std::printf("%-8zu %-8s %16.0f %18.0f %14.1f\n", shards, with_reader ? "yes" : "no",
                        static_cast<double>(samples) / seconds, cpu * 1e9 / static_cast<double>(samples),
                        with_reader ? static_cast<double>(queries.load()) / seconds : 0.0);
        }
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        const std::string mode = argc > 1 && argv[1][0] != '-' ? argv[1] : "pipeline";
        if (mode == "pipeline") return Pipeline(argc, argv);
        if (mode == "rss") return Rss(argc, argv);
        if (mode == "locks") return Locks(argc, argv);
        std::fprintf(stderr, "usage: metrics_bench [pipeline|rss|locks] [options]\n");
        return 2;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "metrics_bench: %s\n", error.what());
        return 1;
    }
}
