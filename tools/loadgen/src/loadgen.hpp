#pragma once
/// loadgen: submits N jobs to a job-orchestrator at a target rate over a few keep-alive HTTP
/// connections and reports accepted/s, latency percentiles and errors.
///
///   loadgen --url http://127.0.0.1:8081 --token T --jobs N --rate R [--concurrency C]
///
/// The rate is open-loop: request i is due at start + i/R whatever the answers look like, so a
/// slow server shows up as latency and "behind schedule", not as a lower offered rate.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cosmic::loadgen {

struct Options {
    std::string url = "http://127.0.0.1:8081";
    std::string token;
    std::uint64_t jobs = 1000;
    double rate = 0;  ///< jobs per second; 0 = as fast as the connections allow
    int concurrency = 4;
    std::string kind = "loadgen";
    int priority = 5;
    std::chrono::milliseconds timeout{10'000};
    /// Send an Idempotency-Key per job (exercises the key index).
    bool idempotency_keys = false;
};

/// Parses argv; returns the error text for a bad command line ("" for --help, with `help` set).
std::optional<std::string> ParseArgs(int argc, const char* const* argv, Options& options, bool& help);
std::string Usage();

struct Report {
    std::uint64_t sent = 0;
    std::uint64_t accepted = 0;                      ///< 202
    std::uint64_t errors = 0;                        ///< anything else, transport failures included
    std::map<long, std::uint64_t> errors_by_status;  ///< 0 = transport failure
    double elapsed_seconds = 0;
    double accepted_per_second = 0;
    double p50_ms = 0;
    double p95_ms = 0;
    double p99_ms = 0;
    double max_ms = 0;
    /// Largest delay between a request's due time and its actual send (the client fell behind).
    double max_behind_ms = 0;
    std::string first_error;
};

/// The q-quantile (0-1) of `values` by nearest rank; 0 for an empty list. Sorts `values`.
double Percentile(std::vector<double>& values, double q);

/// Runs the load and returns the report.
Report Run(const Options& options);

/// The report as the tool prints it.
std::string Format(const Report& report, const Options& options);

}  // namespace cosmic::loadgen
