// runner_bench: consume N pre-produced ~400-byte job.metrics events through the Runner (parse,
// dispatch, no-op handler, offset store, metrics) beside a raw librdkafka poll loop (poll, offset
// store) with the same consumer settings, on the same mock cluster in the same run.
//
//   runner_bench [records=500000] [rounds=2] [both|raw|runner]   (one side alone: for profiling)
//
// A third row, the raw loop plus schema::Parser, shows how much of the gap is parsing.
//
// CPU is split by thread: "app" is the consumer's own threads (the poll loop or the runner's
// consumer thread and its parse helper), "rdk" is librdkafka's and the mock brokers' threads
// (named rdk:*). On the mock the rdk share grows when the consumer drains its queue more slowly
// (smaller fetches), so the app column is the part the consumer code controls.

#include <dirent.h>
#include <librdkafka/rdkafka.h>
#include <prometheus/registry.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_support.hpp"
#include "cosmic/kafka/mock_cluster.hpp"
#include "cosmic/kafka/producer.hpp"
#include "cosmic/kafka/runner.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/payloads.hpp"
#include "cosmic/schema/writer.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using cosmic::bench::CpuSeconds;
using cosmic::bench::MaxRssMb;
using cosmic::bench::MetricsEvent;
using cosmic::kafka::ClientConfig;
using cosmic::kafka::MockCluster;

constexpr const char* kTopic = "job-metrics";
constexpr int kPartitions = 64;  // the mock keeps ~5 MiB per partition: spread the load

/// CPU seconds of this process's threads: [0] application threads, [1] librdkafka's (rdk:*).
struct ThreadCpu {
    double app = 0;
    double rdk = 0;
};

ThreadCpu ThreadGroupCpu() {
    ThreadCpu cpu;
    const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == nullptr) return cpu;
    while (const dirent* entry = readdir(tasks)) {
        if (entry->d_name[0] == '.') continue;
        std::ifstream stat(std::string("/proc/self/task/") + entry->d_name + "/stat");
        std::string line;
        std::getline(stat, line);
        const auto open = line.find('(');
        const auto close = line.rfind(')');
        if (open == std::string::npos || close == std::string::npos) continue;
        const std::string name = line.substr(open + 1, close - open - 1);
        // Fields after the name: state(3) ... utime(14) stime(15).
        std::istringstream rest(line.substr(close + 2));
        std::string field;
        double utime = 0;
        double stime = 0;
        for (int i = 3; i <= 15 && rest >> field; ++i) {
            if (i == 14) utime = std::atof(field.c_str());
            if (i == 15) stime = std::atof(field.c_str());
        }
        (name.rfind("rdk:", 0) == 0 ? cpu.rdk : cpu.app) += (utime + stime) / tick;
    }
    closedir(tasks);
    return cpu;
}

struct Result {
    double events_per_second = 0;
    double cpu_us_per_event = 0;
    double app_us_per_event = 0;  ///< CPU of the application threads
    double rdk_us_per_event = 0;  ///< CPU of librdkafka's and the mock's threads
};

Result MakeResult(long records, double seconds, double cpu, ThreadCpu first, ThreadCpu last) {
    const auto n = static_cast<double>(records - 1);
    return {n / seconds, cpu * 1e6 / n, (last.app - first.app) * 1e6 / n, (last.rdk - first.rdk) * 1e6 / n};
}

void Set(rd_kafka_conf_t* conf, const char* name, const std::string& value) {
    char error[256];
    if (rd_kafka_conf_set(conf, name, value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
        std::fprintf(stderr, "%s: %s\n", name, error);
        std::exit(2);
    }
}

int NoStats(rd_kafka_t*, char*, size_t, void*) { return 0; }

/// The baseline: the consumer settings the runner uses, and the least a correct at-least-once
/// loop does per record (poll, store the offset).
Result RunRaw(const MockCluster& cluster, const std::string& group, long records, bool parse) {
    const cosmic::kafka::RunnerOptions defaults;
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    Set(conf, "bootstrap.servers", cluster.Bootstraps());
    Set(conf, "group.id", group);
    Set(conf, "partition.assignment.strategy", defaults.assignment_strategy);
    Set(conf, "auto.offset.reset", "earliest");
    Set(conf, "fetch.wait.max.ms", std::to_string(defaults.fetch_wait_max.count()));
    Set(conf, "statistics.interval.ms", std::to_string(defaults.statistics_interval.count()));
    Set(conf, "queued.max.messages.kbytes", std::to_string(defaults.max_prefetch_kbytes));
    Set(conf, "enable.auto.commit", "true");
    Set(conf, "enable.auto.offset.store", "false");
    rd_kafka_conf_set_stats_cb(conf, &NoStats);
    char error[256];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    rd_kafka_poll_set_consumer(rk);
    rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, kTopic, RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);

    long seen = 0;
    Clock::time_point first{};
    double first_cpu = 0;
    ThreadCpu first_threads;
    cosmic::schema::Parser parser;
    cosmic::schema::Event event;
    long invalid = 0;
    while (seen < records) {
        rd_kafka_message_t* message = rd_kafka_consumer_poll(rk, 100);
        if (message == nullptr) continue;
        if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            if (seen++ == 0) {
                first = Clock::now();
                first_cpu = CpuSeconds();
                first_threads = ThreadGroupCpu();
            }
            if (parse) {
                const std::string_view value(static_cast<const char*>(message->payload), message->len);
                invalid += parser.Parse(cosmic::schema::TopicId::kJobMetrics, value, event) ? 1 : 0;
            }
            rd_kafka_offset_store(message->rkt, message->partition, message->offset);
        }
        rd_kafka_message_destroy(message);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - first).count();
    const double cpu = CpuSeconds() - first_cpu;
    const ThreadCpu last_threads = ThreadGroupCpu();
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    if (invalid > 0) {
        std::fprintf(stderr, "raw: %ld invalid records\n", invalid);
    }
    return MakeResult(records, seconds, cpu, first_threads, last_threads);
}

Result RunRunner(const MockCluster& cluster, const std::string& group, long records) {
    cosmic::kafka::RunnerOptions options;
    options.group_id = group;
    options.topics = {kTopic};
    options.client.properties = {{"bootstrap.servers", cluster.Bootstraps()}};
    std::atomic<long> seen{0};
    std::atomic<Clock::rep> first{0};
    std::atomic<Clock::rep> last{0};
    double first_cpu = 0;
    double last_cpu = 0;
    ThreadCpu first_threads;
    ThreadCpu last_threads;
    cosmic::kafka::Runner runner(options, std::make_shared<prometheus::Registry>());
    runner.On("job.metrics", [&](const cosmic::schema::Event&, const cosmic::kafka::Delivery&) {
        const long n = ++seen;
        if (n == 1) {
            first_cpu = CpuSeconds();
            first_threads = ThreadGroupCpu();
            first = Clock::now().time_since_epoch().count();
        }
        if (n == records) {
            last_cpu = CpuSeconds();
            last_threads = ThreadGroupCpu();
            last = Clock::now().time_since_epoch().count();
        }
        return cosmic::kafka::Outcome::kOk;
    });
    runner.Start();
    while (last.load() == 0) std::this_thread::sleep_for(10ms);
    runner.Stop();
    const double seconds = std::chrono::duration<double>(Clock::duration(last.load() - first.load())).count();
    return MakeResult(records, seconds, last_cpu - first_cpu, first_threads, last_threads);
}

}  // namespace

int main(int argc, char** argv) {
    const long records = argc > 1 ? std::atol(argv[1]) : 500000;
    const int rounds = argc > 2 ? std::atoi(argv[2]) : 2;
    const std::string mode = argc > 3 ? argv[3] : "both";
    MockCluster cluster(3);
    cluster.CreateTopic(kTopic, kPartitions, 1);
    {
        ClientConfig config;
        config.properties = {{"bootstrap.servers", cluster.Bootstraps()}};
        cosmic::kafka::ProducerOptions producer_options;
        producer_options.max_queued_messages = 500000;
        producer_options.max_queued_kbytes = 1 << 20;
        producer_options.enqueue_timeout = 60s;
        cosmic::kafka::Producer producer(config, producer_options, nullptr);
        std::size_t bytes = 0;
        for (long i = 0; i < records; ++i) {
            const auto event = MetricsEvent(static_cast<int>(i));
            bytes += cosmic::schema::Serialize(event).size();
            if (auto error = producer.Publish(event)) {
                std::fprintf(stderr, "produce: %s\n", error.ToString().c_str());
                return 1;
            }
        }
        if (producer.Flush(300s) != 0) {
            std::fprintf(stderr, "produce: not everything delivered\n");
            return 1;
        }
        std::printf("runner_bench: %ld records of %.0f bytes (avg) on a %d-partition mock topic, %d round(s)\n",
                    records, static_cast<double>(bytes) / static_cast<double>(records), kPartitions, rounds);
    }
    std::printf("%-36s %14s %16s %10s %10s\n", "consumer", "events/s", "CPU us/event", "app us/ev", "rdk us/ev");
    const auto row = [](const char* name, const Result& r) {
        std::printf("%-36s %14.0f %16.2f %10.2f %10.2f\n", name, r.events_per_second, r.cpu_us_per_event,
                    r.app_us_per_event, r.rdk_us_per_event);
    };
    std::vector<double> raw;
    std::vector<double> runner;
    std::vector<double> raw_app;
    std::vector<double> runner_app;
    for (int round = 0; round < rounds; ++round) {
        if (mode != "runner") {
            const Result result = RunRaw(cluster, "bench-raw-" + std::to_string(round), records, false);
            raw.push_back(result.events_per_second);
            raw_app.push_back(result.app_us_per_event);
            row("raw poll + offset store", result);
            // For reading the gap: the same loop plus schema::Parser, the one cost the runner
            // cannot skip (handlers get a parsed, validated Event).
            const Result parsed = RunRaw(cluster, "bench-raw-parse-" + std::to_string(round), records, true);
            row("raw poll + parse + offset store", parsed);
        }
        if (mode != "raw") {
            const Result result = RunRunner(cluster, "bench-runner-" + std::to_string(round), records);
            runner.push_back(result.events_per_second);
            runner_app.push_back(result.app_us_per_event);
            row("Runner (parse, dispatch, no-op)", result);
        }
    }
    if (raw.empty() || runner.empty()) {
        return 0;
    }
    const double best_raw = *std::max_element(raw.begin(), raw.end());
    const double best_runner = *std::max_element(runner.begin(), runner.end());
    std::printf("best: raw %.0f/s, runner %.0f/s, ratio %.1f%% (goal >= 80%%); max RSS %ld MiB\n", best_raw,
                best_runner, 100.0 * best_runner / best_raw, MaxRssMb());
    const double raw_app_best = *std::min_element(raw_app.begin(), raw_app.end());
    const double runner_app_best = *std::min_element(runner_app.begin(), runner_app.end());
    std::printf("best app CPU: raw %.2f us/event, runner %.2f us/event (raw/runner %.1f%%)\n", raw_app_best,
                runner_app_best, 100.0 * raw_app_best / runner_app_best);
    return 0;
}
