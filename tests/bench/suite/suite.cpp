#include "suite.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "cosmic/testing/child_process.hpp"
#include "cosmic/testing/http_client.hpp"
#include "cosmic/testing/sinks.hpp"
#include "latency.hpp"
#include "produce.hpp"
#include "service_probe.hpp"
#include "src/event_load.hpp"
#include "src/loadgen.hpp"
#include "support/prometheus_text.hpp"

namespace cosmic::bench {
namespace {

using Clock = std::chrono::steady_clock;
using schema::TopicId;

std::string UtcNow() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

/// A figure compared with a higher-is-better baseline, with an optional minimum ratio as goal.
Figure Compared(std::string section, std::string name, double value, std::string unit, std::string baseline_name,
                double baseline, double goal_ratio = 0, std::string goal = {}) {
    Figure f;
    f.section = std::move(section);
    f.name = std::move(name);
    f.value = value;
    f.unit = std::move(unit);
    f.baseline_name = std::move(baseline_name);
    f.baseline = baseline;
    f.ratio = Ratio(value, baseline);
    if (goal_ratio > 0 && f.ratio) {
        f.goal = std::move(goal);
        f.goal_met = *f.ratio >= goal_ratio;
    }
    return f;
}

Figure Plain(std::string section, std::string name, double value, std::string unit, std::string note = {}) {
    Figure f;
    f.section = std::move(section);
    f.name = std::move(name);
    f.value = value;
    f.unit = std::move(unit);
    f.note = std::move(note);
    return f;
}

Throughput Better(const Throughput& a, const Throughput& b) { return a.PerSecond() >= b.PerSecond() ? a : b; }

/// `kcat -C` (no group) over the topic from the beginning, every payload written to a pipe we
/// read: first byte to end of the partitions.
Throughput Kcat(const std::string& kcat, const std::string& brokers, const std::string& topic, long events) {
    const std::string command =
        kcat + " -C -q -e -o beginning -b " + brokers + " -t " + topic + " -X fetch.wait.max.ms=100 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) throw std::runtime_error("cannot run " + kcat);
    std::vector<char> buffer(1 << 20);
    long lines = 0;
    Clock::time_point first;
    bool started = false;
    for (;;) {
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe);
        if (n == 0) break;
        if (!started) {
            first = Clock::now();
            started = true;
        }
        lines += std::count(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(n), '\n');
    }
    const auto end = Clock::now();
    const int status = pclose(pipe);
    if (status != 0 || lines < events) {
        throw std::runtime_error("kcat read " + std::to_string(lines) + " of " + std::to_string(events) +
                                 " records (status " + std::to_string(status) + ")");
    }
    Throughput result;
    result.events = lines;
    result.seconds = std::chrono::duration<double>(end - first).count();
    return result;
}

/// A numeric field of the peer's one-line JSON answer.
double JsonNumber(const std::string& line, const std::string& key) {
    const auto at = line.find("\"" + key + "\":");
    if (at == std::string::npos) throw std::runtime_error("no " + key + " in: " + line);
    return std::stod(line.substr(at + key.size() + 3));
}

Throughput KafkaJs(const std::filesystem::path& peer, const std::string& brokers, const std::string& topic,
                   const std::string& group, long events, const std::filesystem::path& work_dir) {
    const auto out = work_dir / ("kafkajs-" + group + ".json");
    testing::ProcessOptions options;
    options.binary = peer;
    options.args = {"--brokers", brokers, "--topic", topic, "--group", group, "--count", std::to_string(events)};
    options.inherit_environment = true;  // node, npm and the cache directory
    options.stdout_path = out;
    options.stderr_path = work_dir / "kafkajs.log";
    testing::ChildProcess child(options);
    const auto status = child.Wait(std::chrono::minutes(10));
    std::ifstream in(out);
    std::string line;
    std::getline(in, line);
    if (!status || *status != 0 || line.empty()) {
        throw std::runtime_error("the KafkaJS peer failed (status " + std::to_string(status.value_or(-1)) + "); see " +
                                 options.stderr_path.string());
    }
    Throughput result;
    result.events = static_cast<long>(JsonNumber(line, "events"));
    result.seconds = JsonNumber(line, "seconds");
    result.group_join_ms = JsonNumber(line, "group_join_ms");
    return result;
}

/// Cumulative event-age buckets (seconds) of a service, summed over its topics.
std::map<double, double> AgeBuckets(const ServiceProbe& probe) {
    return e2e::HistogramBuckets(probe.Scrape(), "cosmic_event_age_seconds");
}

std::map<double, double> ToMs(const std::map<double, double>& seconds) {
    std::map<double, double> ms;
    for (const auto& [bound, count] : seconds) ms[bound * 1000.0] = count;
    return ms;
}

std::vector<double> FiniteBounds(const std::map<double, double>& buckets) {
    std::vector<double> bounds;
    for (const auto& [bound, count] : buckets) {
        if (std::isfinite(bound)) bounds.push_back(bound);
    }
    return bounds;
}

}  // namespace

Suite::Suite(SuiteOptions options, Binaries binaries)
    : options_(std::move(options)),
      bin_(std::move(binaries)),
      cluster_(options_.work_dir, bin_.dev_broker, options_.real_bootstrap),
      results_(RunInfo{options_.real_bootstrap.empty() ? "mock" : "real", options_.commit, UtcNow(),
                       std::thread::hardware_concurrency(), options_.quick, options_.command}) {}

bool Suite::Wants(const std::string& phase) const {
    return options_.phases.empty() || options_.phases.count(phase) > 0;
}

std::string Suite::Group(const std::string& what) {
    return "bench-" + what + "-" + std::to_string(::getpid()) + "-" + std::to_string(++groups_);
}

Results Suite::Run() {
    const std::pair<const char*, std::function<void()>> phases[] = {
        {"schema", [this] { Schema(); }},
        {"metrics", [this] { MetricsThroughput(false); }},
        {"metrics-lz4", [this] { MetricsThroughput(true); }},
        {"notification", [this] { NotificationThroughput(); }},
        {"audit", [this] { AuditThroughput(); }},
        {"health", [this] { HealthThroughput(); }},
        {"orchestrator", [this] { OrchestratorThroughput(); }},
        {"latency", [this] { Latency(); }},
        {"memory", [this] { Memory(); }},
    };
    for (const auto& [name, run] : phases) {
        if (!Wants(name)) continue;
        try {
            run();
        } catch (const std::exception& error) {
            // One failed phase costs its figures, not the run: the report says what is missing.
            std::fprintf(stderr, "bench: phase %s failed: %s\n", name, error.what());
            results_.Add(Plain("failures", std::string("phase ") + name, 0, "", error.what()));
        }
    }
    return results_;
}

ServiceProbe Suite::Probe(const std::string& name, const std::filesystem::path& binary,
                          const std::filesystem::path& dir, const std::string& tag, const std::string& bootstrap,
                          std::map<std::string, std::string> env) {
    for (const auto& [key, value] : options_.service_env) env[key] = value;
    return ServiceProbe(name, binary, dir, tag, bootstrap, std::move(env));
}

Throughput Suite::BestRaw(const std::string& topic, long events) {
    Throughput best;
    for (int round = 0; round < Rounds(); ++round) {
        RawConsumerOptions raw;
        raw.brokers = cluster_.Bootstrap();
        raw.topic = topic;
        raw.group = Group("raw");
        raw.count = events;
        best = Better(best, RawConsume(raw));
    }
    return best;
}

Throughput Suite::BestService(const std::string& name, const std::filesystem::path& binary, long events,
                              const std::map<std::string, std::string>& env) {
    Throughput best;
    for (int round = 0; round < Rounds(); ++round) {
        ServiceProbe probe =
            Probe(name, binary, options_.work_dir, "t" + std::to_string(++groups_), cluster_.Bootstrap(), env);
        probe.Start();
        best = Better(best, probe.WaitConsumed(static_cast<double>(events)));
        probe.Stop();
    }
    return best;
}

void Suite::MetricsThroughput(bool compressed) {
    const long events = Events(200'000, 50'000);
    const std::string data = compressed ? "job-metrics, lz4" : "job-metrics, uncompressed";
    const std::string section = "consumer throughput";
    cluster_.Fresh();
    const Produced produced = Produce({.brokers = cluster_.Bootstrap(),
                                       .topic = TopicId::kJobMetrics,
                                       .count = events,
                                       .jobs = 10'000,
                                       .properties = {{"compression.type", compressed ? "lz4" : "none"}}});
    std::fprintf(stderr, "bench: %ld %s envelopes of %.0f bytes produced in %.1f s\n", produced.events, data.c_str(),
                 produced.average_bytes, produced.seconds);
    const Throughput raw = BestRaw("job-metrics", events);
    results_.Add(Plain(section, "raw librdkafka loop (" + data + ")", raw.PerSecond(), "events/s",
                       "poll, read every byte, store the offset; best of " + std::to_string(Rounds())));
    const Throughput service = BestService("metrics-consumer", bin_.metrics, events, {});
    results_.Add(Compared(section, "metrics-consumer (" + data + ")", service.PerSecond(), "events/s", "raw loop",
                          raw.PerSecond(), 0.6, ">= 60 % of raw"));
    results_.Add(Plain("cpu per event", "metrics-consumer (" + data + ")",
                       1e6 * service.cpu_seconds / std::max<double>(1, static_cast<double>(service.events)), "µs",
                       "process CPU (all threads) per event"));
    if (compressed) return;
    if (!options_.kcat.empty()) {
        const Throughput kcat = Kcat(options_.kcat, cluster_.Bootstrap(), "job-metrics", events);
        results_.Add(
            Compared(section, "kcat -C (" + data + ")", kcat.PerSecond(), "events/s", "raw loop", raw.PerSecond()));
    }
    if (!options_.kafkajs.empty()) {
        const Throughput peer =
            KafkaJs(options_.kafkajs, cluster_.Bootstrap(), "job-metrics", Group("kafkajs"), events, options_.work_dir);
        results_.Add(Plain(section, "KafkaJS peer: JSON.parse + per-job aggregate (" + data + ")", peer.PerSecond(),
                           "events/s", "the original stack's consumer design"));
        results_.Add(Compared(section, "metrics-consumer vs the KafkaJS peer", service.PerSecond(), "events/s",
                              "KafkaJS peer", peer.PerSecond(), 5.0, ">= 5× KafkaJS"));
    }
}

std::map<std::string, std::string> Suite::NotificationEnv(const std::string& smtp_url) {
    const auto users = options_.work_dir / "users.json";
    std::ofstream(users) << R"({"users": [{"user_id": "bench-user", "email": "bench-user@cosmic.local", )"
                         << R"("channels": ["email", "in_app"]}]})" << '\n';
    return {{"COSMIC_USERS_FILE", users.string()},
            {"COSMIC_SMTP_URL", smtp_url},
            {"COSMIC_SMTP_STARTTLS", "off"},
            {"COSMIC_SMTP_FROM", "bench@cosmic.local"}};
}

void Suite::NotificationThroughput() {
    const std::string section = "consumer throughput";
    testing::SmtpSink smtp;
    const auto env = NotificationEnv(smtp.Url());
    {
        const long events = Events(200'000, 50'000);
        cluster_.Fresh();
        Produce({.brokers = cluster_.Bootstrap(),
                 .topic = TopicId::kJobLifecycle,
                 .count = events,
                 .jobs = 10'000,
                 .keep = [](std::string_view value) { return !IsTerminal(value); }});
        const Throughput raw = BestRaw("job-lifecycle", events);
        results_.Add(Plain(section, "raw librdkafka loop (job-lifecycle, non-terminal)", raw.PerSecond(), "events/s"));
        const Throughput service = BestService("notification-consumer", bin_.notification, events, env);
        results_.Add(Compared(section, "notification-consumer skip path (submitted, queued, running)",
                              service.PerSecond(), "events/s", "raw loop", raw.PerSecond(), 0.6, ">= 60 % of raw"));
    }
    {
        const long events = Events(10'000, 2'000);
        cluster_.Fresh();
        Produce({.brokers = cluster_.Bootstrap(),
                 .topic = TopicId::kJobLifecycle,
                 .count = events,
                 .jobs = events,
                 .keep = [](std::string_view value) { return IsTerminal(value); }});
        const Throughput raw = BestRaw("job-lifecycle", events);
        ServiceProbe probe =
            Probe("notification-consumer", bin_.notification, options_.work_dir, "terminal", cluster_.Bootstrap(), env);
        probe.Start();
        const std::size_t mails_before = smtp.Count();
        const auto start = Clock::now();
        const Throughput consumed = probe.WaitConsumed(static_cast<double>(events));
        const auto give_up = Clock::now() + std::chrono::minutes(5);
        while (smtp.Count() - mails_before < static_cast<std::size_t>(events) && Clock::now() < give_up) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));  // sampling the sink is the measurement
        }
        const double mail_seconds = std::chrono::duration<double>(Clock::now() - start).count();
        const auto mails = static_cast<double>(smtp.Count() - mails_before);
        probe.Stop();
        results_.Add(Compared(section, "notification-consumer terminal path (email to a local SMTP sink + in-app)",
                              consumed.PerSecond(), "events/s", "raw loop", raw.PerSecond()));
        Figure delivered = Plain(section, "mails delivered to the SMTP sink", mails / mail_seconds, "mails/s",
                                 std::to_string(static_cast<long>(mails)) + " of " + std::to_string(events) +
                                     " terminal events, from the service's start");
        results_.Add(delivered);
    }
}

void Suite::AuditThroughput() {
    const std::string section = "audit durable ingest";
    const long events = Events(100'000, 20'000);
    cluster_.Fresh();
    Produce({.brokers = cluster_.Bootstrap(), .topic = TopicId::kAuditTrail, .count = events, .jobs = 5'000});
    const Throughput raw = BestRaw("audit-trail", events);
    results_.Add(Plain(section, "raw librdkafka loop (audit-trail)", raw.PerSecond(), "events/s"));
    // The ceiling: the same store code (hash chain, synchronous=FULL, the service's batch of 1000)
    // fed from memory, no Kafka.
    testing::ProcessOptions ceiling_run;
    ceiling_run.binary = bin_.audit_bench;
    ceiling_run.args = {"--ceiling-only", "--rows", std::to_string(events),    "--batch",
                        "1000",           "--dir",  options_.work_dir.string()};
    const auto ceiling_out = options_.work_dir / "audit-ceiling.txt";
    ceiling_run.stdout_path = ceiling_out;
    std::filesystem::remove(ceiling_out);
    testing::ChildProcess ceiling_child(ceiling_run);
    if (ceiling_child.Wait(std::chrono::minutes(10)).value_or(-1) != 0)
        throw std::runtime_error("audit ceiling run failed");
    std::ifstream ceiling_in(ceiling_out);
    std::string line;
    double ceiling = 0;
    while (std::getline(ceiling_in, line)) {
        if (line.rfind("ceiling ", 0) == 0) ceiling = std::stod(line.substr(8));
    }
    if (ceiling <= 0) throw std::runtime_error("the audit ceiling run printed no figure");
    results_.Add(Plain(section, "SQLite alone: audit store, same chain and batch (1000), durable", ceiling, "rows/s"));
    const Throughput service = BestService("audit-consumer", bin_.audit, events, {});
    results_.Add(Compared(section, "audit-consumer, durable (synchronous=FULL)", service.PerSecond(), "events/s",
                          "SQLite alone", ceiling, 0.5, ">= 50 % of SQLite alone"));
}

void Suite::HealthThroughput() {
    const std::string section = "consumer throughput";
    const long events = Events(100'000, 20'000);
    cluster_.Fresh();
    Produce({.brokers = cluster_.Bootstrap(), .topic = TopicId::kSystemHealth, .count = events, .jobs = 200});
    const Throughput raw = BestRaw("system-health", events);
    results_.Add(Plain(section, "raw librdkafka loop (system-health)", raw.PerSecond(), "events/s"));
    const Throughput service =
        BestService("health-monitor", bin_.health, events, {{"COSMIC_CLUSTER_EXPECTED_BROKERS", "0"}});
    results_.Add(Compared(section, "health-monitor (heartbeats of 200 components)", service.PerSecond(), "events/s",
                          "raw loop", raw.PerSecond()));
}

void Suite::OrchestratorThroughput() {
    const std::string section = "orchestrator";
    const long jobs = Events(20'000, 3'000);
    cluster_.Fresh();
    ServiceProbe probe = Probe("job-orchestrator", bin_.orchestrator, options_.work_dir, "api", cluster_.Bootstrap(),
                               {{"COSMIC_EXECUTOR_ENABLED", "false"}});
    probe.Start();
    loadgen::Options load;
    load.url = probe.Process().BaseUrl();
    load.token = kBenchToken;
    load.jobs = static_cast<std::uint64_t>(jobs);
    load.concurrency = 8;
    const double published_before = e2e::SumSamples(probe.Scrape(), "cosmic_outbox_published_total");
    const auto start = Clock::now();
    const loadgen::Report report = loadgen::Run(load);
    // Delivery confirmed: every outbox row the jobs wrote is published (acks=all) and none pending.
    const auto give_up = Clock::now() + std::chrono::minutes(5);
    double published = 0;
    for (;;) {
        const std::string metrics = probe.Scrape();
        published = e2e::SumSamples(metrics, "cosmic_outbox_published_total") - published_before;
        if (published > 0 && e2e::SumSamples(metrics, "cosmic_outbox_pending_rows") == 0) break;
        if (Clock::now() > give_up) throw std::runtime_error("the outbox did not drain in 5 minutes");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));  // sampling the gauge is the measurement
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    probe.Stop();
    if (report.accepted != static_cast<std::uint64_t>(jobs)) {
        throw std::runtime_error("the API accepted " + std::to_string(report.accepted) + " of " + std::to_string(jobs) +
                                 " jobs: " + report.first_error);
    }
    results_.Add(Plain(section, "jobs accepted through the API (8 connections)", report.accepted_per_second, "jobs/s",
                       "p50 " + std::to_string(static_cast<int>(report.p50_ms * 10) / 10.0).substr(0, 4) + " ms, p99 " +
                           std::to_string(static_cast<int>(report.p99_ms * 10) / 10.0).substr(0, 4) + " ms"));
    results_.Add(Plain(section, "events delivered to Kafka (API → outbox → acks=all)", published / seconds, "events/s",
                       std::to_string(static_cast<long>(published)) + " events for " + std::to_string(jobs) +
                           " jobs, until the outbox was empty"));
}

void Suite::Latency() {
    struct Target {
        const char* service;
        std::filesystem::path binary;
        TopicId topic;
    };
    const std::vector<Target> targets = {{"metrics-consumer", bin_.metrics, TopicId::kJobMetrics},
                                         {"notification-consumer", bin_.notification, TopicId::kJobLifecycle},
                                         {"audit-consumer", bin_.audit, TopicId::kAuditTrail},
                                         {"health-monitor", bin_.health, TopicId::kSystemHealth}};
    struct Profile {
        const char* name;
        std::map<std::string, std::string> consumer;  ///< librdkafka properties (service: KAFKA_*)
        std::string linger_ms;
    };
    // The services' default (fetch wait 100 ms, publishers' linger 5 ms), the local stack's
    // setting on the dev-broker (fetch wait 10 ms) and a low-latency one; the bare consumer gets
    // the same consumer settings as the service it is compared with.
    const std::vector<Profile> profiles = {{"default", {{"fetch.wait.max.ms", "100"}}, "5"},
                                           {"local-stack", {{"fetch.wait.max.ms", "10"}}, "5"},
                                           {"low-latency", {{"fetch.wait.max.ms", "1"}}, "0"}};
    const std::vector<double> rates = options_.quick ? std::vector<double>{1000} : std::vector<double>{1000, 10000};
    const double window_s = options_.quick ? 3 : 8;
    const double warm_s = 1.5;
    testing::SmtpSink smtp;
    for (const Target& target : targets) {
        if (options_.quick && std::string(target.service) != "metrics-consumer") continue;
        for (const Profile& profile : profiles) {
            cluster_.Fresh();
            std::map<std::string, std::string> env;
            if (std::string(target.service) == "notification-consumer") env = NotificationEnv(smtp.Url());
            if (std::string(target.service) == "health-monitor") env["COSMIC_CLUSTER_EXPECTED_BROKERS"] = "0";
            for (const auto& [name, value] : profile.consumer) {
                std::string key = "KAFKA_" + name;
                std::replace(key.begin(), key.end(), '.', '_');
                std::transform(key.begin(), key.end(), key.begin(), ::toupper);
                env[key] = value;
            }
            ServiceProbe probe = Probe(target.service, target.binary, options_.work_dir,
                                       std::string("lat-") + profile.name, cluster_.Bootstrap(), env);
            probe.Start();
            const std::string topic(schema::Spec(target.topic).name);
            AgeRecorder bare(cluster_.Bootstrap(), topic, Group("bare-latency"), profile.consumer);
            bare.WaitAssigned();
            for (const double rate : rates) {
                loadgen::EventLoadOptions load;
                load.brokers = cluster_.Bootstrap();
                load.topic = topic;
                load.count = static_cast<std::uint64_t>(rate * (warm_s + window_s));
                load.rate = rate;
                load.jobs = 1000;
                // A user outside the directory: notification-consumer notifies in-app only, so the
                // age is the consumer's path and the durable in-app write, not an SMTP round trip
                // (the terminal-path throughput row measures mail).
                load.user_id = "bench-latency";
                load.properties = {{"linger.ms", profile.linger_ms}};
                if (target.topic == TopicId::kJobLifecycle) load.failure_percent = 0;
                std::thread producer([&] { loadgen::RunEvents(load); });
                std::this_thread::sleep_for(std::chrono::duration<double>(warm_s));  // the producer warms up
                const auto before = AgeBuckets(probe);
                const double consumed_before = probe.Consumed();
                bare.Take();
                bare.Record(true);
                producer.join();
                bare.Record(false);
                // The service has handled everything produced before its histogram is read again.
                const double expected = consumed_before + rate * window_s * 0.98;
                probe.WaitConsumed(expected, std::chrono::seconds(60));
                const auto service = FromBuckets(ToMs(Delta(AgeBuckets(probe), before)));
                const std::vector<double> ages = bare.Take();
                const Percentiles exact = Exact(ages);
                const Percentiles bucketed = FromBuckets(Bucketize(ages, FiniteBounds(ToMs(before))));
                char name[160];
                std::snprintf(name, sizeof name, "%s, %s profile, %.0f events/s", target.service, profile.name, rate);
                Figure f = Compared("event age p99 (ms)", name, service.p99, "ms", "bare consumer (same buckets)",
                                    bucketed.p99);
                f.ratio = bucketed.p99 > 0 ? std::optional<double>(service.p99 / bucketed.p99) : std::nullopt;
                f.goal = "<= 1.5× bare";
                f.goal_met = f.ratio && *f.ratio <= 1.5;
                char note[240];
                std::snprintf(
                    note, sizeof note,
                    "service p50 %.1f / p95 %.1f / max ≤ %.0f ms; bare exact p50 %.1f / p95 %.1f / p99 %.1f / "
                    "max %.1f ms (%ld events)",
                    service.p50, service.p95, service.max, exact.p50, exact.p95, exact.p99, exact.max, exact.count);
                f.note = note;
                if (std::string(profile.name) == "low-latency" && rate == 1000 && !cluster_.Real()) {
                    f.goal += "; p99 <= 5 ms";
                    f.goal_met = *f.goal_met && service.p99 <= 5.0;
                }
                results_.Add(f);
            }
            probe.Stop();
        }
    }
}

void Suite::Memory() {
    const std::string section = "memory";
    cluster_.Fresh();
    ServiceProbe probe = Probe("metrics-consumer", bin_.metrics, options_.work_dir, "rss", cluster_.Bootstrap(), {});
    probe.Start();
    results_.Add(Plain(section, "metrics-consumer RSS at start", probe.RssMiB(), "MiB"));
    // Streamed in slices the service consumes before the next, so the dev-broker's 5 MiB per
    // partition is never exceeded: one sample per distinct job.
    std::vector<long> steps = {10'000, 100'000, 1'000'000};
    if (options_.quick) steps.pop_back();
    long produced = 0;
    const long slice = 50'000;
    for (const long target : steps) {
        while (produced < target) {
            const long n = std::min(slice, target - produced);
            loadgen::EventLoadOptions load;
            load.brokers = cluster_.Bootstrap();
            load.topic = "job-metrics";
            load.count = static_cast<std::uint64_t>(n);
            load.jobs = static_cast<std::uint64_t>(n);  // every sample a new job
            load.job_prefix = "rss-" + std::to_string(produced);
            load.properties = {{"compression.type", "lz4"}, {"linger.ms", "20"}};
            const auto report = loadgen::RunEvents(load);
            if (report.produced != static_cast<std::uint64_t>(n))
                throw std::runtime_error("produce: " + report.first_error);
            produced += n;
            probe.WaitConsumed(static_cast<double>(produced), std::chrono::minutes(5));
        }
        results_.Add(Plain(section, "metrics-consumer RSS after " + std::to_string(target) + " distinct jobs",
                           probe.RssMiB(), "MiB", "default job cap (metrics.max_jobs, 100,000)"));
    }
    probe.Stop();
}

void Suite::Schema() {
    testing::ProcessOptions run;
    run.binary = bin_.schema_bench;
    run.args = {"--batches", options_.quick ? "300" : "2000"};
    const auto out = options_.work_dir / "schema_bench.txt";
    std::filesystem::remove(out);
    run.stdout_path = out;
    testing::ChildProcess child(run);
    if (child.Wait(std::chrono::minutes(5)).value_or(-1) != 0) throw std::runtime_error("schema_bench failed");
    std::ifstream in(out);
    std::string line;
    std::map<std::string, double> rates;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string name;
        double rate = 0;
        if (fields >> name >> rate) rates[name] = rate;
    }
    if (rates.count("Parser::Parse") == 0 || rates.count("ondemand-fields") == 0) {
        throw std::runtime_error("schema_bench printed no Parser::Parse / ondemand-fields rows");
    }
    results_.Add(Compared("envelope parse (one core)", "Parser::Parse: parse + validate a job-lifecycle envelope",
                          rates["Parser::Parse"], "events/s", "simdjson on-demand read of the same fields",
                          rates["ondemand-fields"], 0.4, ">= 40 % of simdjson"));
}

}  // namespace cosmic::bench
