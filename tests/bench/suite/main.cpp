// bench_suite: the measurements behind scripts/bench (see tests/bench/README.md).
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "raw_consumer.hpp"
#include "suite.hpp"

namespace {

std::string Arg(const std::vector<std::string>& args, const std::string& name, const std::string& fallback = "") {
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == name) return args[i + 1];
    }
    return fallback;
}

std::map<std::string, std::string> Properties(const std::vector<std::string>& args) {
    std::map<std::string, std::string> properties;
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] != "-X") continue;
        const auto eq = args[i + 1].find('=');
        if (eq == std::string::npos) throw std::invalid_argument("-X wants name=value: " + args[i + 1]);
        properties[args[i + 1].substr(0, eq)] = args[i + 1].substr(eq + 1);
    }
    return properties;
}

int Raw(const std::vector<std::string>& args) {
    cosmic::bench::RawConsumerOptions options;
    options.brokers = Arg(args, "--brokers");
    options.topic = Arg(args, "--topic");
    options.group = Arg(args, "--group", "bench-raw");
    options.count = std::stol(Arg(args, "--count", "0"));
    options.properties = Properties(args);
    options.batch = std::stoi(Arg(args, "--batch", "0"));
    const auto result = cosmic::bench::RawConsume(options);
    std::printf(
        "{\"consumer\":\"raw\",\"events\":%ld,\"seconds\":%.4f,\"events_per_second\":%.0f,\"cpu_seconds\":%.4f,"
        "\"group_join_ms\":%.0f}\n",
        result.events, result.seconds, result.PerSecond(), result.cpu_seconds, result.group_join_ms);
    return 0;
}

bool Has(const std::vector<std::string>& args, const std::string& name) {
    for (const auto& arg : args) {
        if (arg == name) return true;
    }
    return false;
}

int Run(const std::vector<std::string>& args) {
    cosmic::bench::SuiteOptions options;
    options.real_bootstrap = Arg(args, "--kafka-bootstrap");
    options.quick = Has(args, "--quick");
    options.work_dir = Arg(args, "--work-dir");
    options.kafkajs = Arg(args, "--kafkajs");
    options.kcat = Arg(args, "--kcat", "kcat");
    options.commit = Arg(args, "--commit", "unknown");
    options.command = Arg(args, "--command", "bench_suite run");
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] != "--service-env") continue;
        const auto eq = args[i + 1].find('=');
        if (eq == std::string::npos) throw std::invalid_argument("--service-env wants NAME=VALUE: " + args[i + 1]);
        options.service_env[args[i + 1].substr(0, eq)] = args[i + 1].substr(eq + 1);
    }
    std::istringstream phases(Arg(args, "--phases"));
    for (std::string phase; std::getline(phases, phase, ',');) {
        if (!phase.empty()) options.phases.insert(phase);
    }
    if (options.work_dir.empty()) throw std::invalid_argument("--work-dir is required");
    std::filesystem::create_directories(options.work_dir);
    cosmic::bench::Binaries binaries{
        COSMIC_BENCH_DEV_BROKER,     COSMIC_BENCH_METRICS_CONSUMER, COSMIC_BENCH_NOTIFICATION_CONSUMER,
        COSMIC_BENCH_AUDIT_CONSUMER, COSMIC_BENCH_HEALTH_MONITOR,   COSMIC_BENCH_JOB_ORCHESTRATOR,
        COSMIC_BENCH_SCHEMA_BENCH,   COSMIC_BENCH_AUDIT_BENCH};
    cosmic::bench::Suite suite(options, binaries);
    const cosmic::bench::Results results = suite.Run();
    const std::string json = Arg(args, "--json", (options.work_dir / "bench-results.json").string());
    std::ofstream(json) << results.Json();
    const std::string markdown = results.Markdown();
    if (const std::string md = Arg(args, "--markdown"); !md.empty()) std::ofstream(md) << markdown;
    std::printf("%s", markdown.c_str());
    for (const auto& figure : results.All()) {
        if (figure.section == "failures") return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> args(argv + 1, argv + argc);
    try {
        if (!args.empty() && args[0] == "raw") return Raw(args);
        if (!args.empty() && args[0] == "run") return Run(args);
        std::fprintf(stderr,
                     "usage: bench_suite run --work-dir DIR [--kafka-bootstrap B] [--quick] [--phases a,b] [--json F]\n"
                     "                       [--markdown F] [--kafkajs PEER] [--kcat PATH|''] [--service-env K=V]... "
                     "[--commit C]\n"
                     "       bench_suite raw --brokers B --topic T --count N [--group G] [-X name=value]...\n");
        return 2;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_suite: %s\n", error.what());
        return 1;
    }
}
