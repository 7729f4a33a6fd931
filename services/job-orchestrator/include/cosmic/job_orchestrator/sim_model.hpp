#pragma once
/// The simulated executor's random model: how long a job runs, whether it fails, and what its
/// resource samples look like. Seedable so tests are reproducible.

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "cosmic/schema/event.hpp"

namespace cosmic::orchestrator {

enum class DurationDistribution { kFixed, kUniform, kExponential };

/// "fixed", "uniform", "exponential".
std::string_view ToString(DurationDistribution distribution) noexcept;
/// Throws std::invalid_argument for another name.
DurationDistribution ParseDurationDistribution(std::string_view text);

struct SimModelOptions {
    DurationDistribution distribution = DurationDistribution::kUniform;
    /// fixed: the duration; exponential: the mean.
    std::chrono::milliseconds mean{5000};
    /// uniform: the range; exponential: the clamp.
    std::chrono::milliseconds min{2000};
    std::chrono::milliseconds max{8000};
    /// Probability (0-1) that a job fails instead of completing.
    double failure_rate = 0.1;
    /// 0 = seed from the OS.
    std::uint64_t seed = 0;
};

/// A failure the simulation reports.
struct SimFailure {
    std::string error;
    std::string error_code;
};

/// Resource usage of one simulated job, advanced by Sample().
struct SimUsage {
    double cpu_base = 50;
    double memory_base_mb = 512;
    double io_read_mb = 0;
    double io_write_mb = 0;
};

class SimModel {
  public:
    explicit SimModel(SimModelOptions options);

    std::chrono::milliseconds Duration();
    /// nullopt = the job completes.
    std::optional<SimFailure> Outcome();
    /// A job's starting profile.
    SimUsage NewUsage();
    /// The next sample of a job that has run `elapsed_ms`; advances its cumulative I/O.
    schema::MetricsSample Sample(SimUsage& usage, std::int64_t elapsed_ms, std::int64_t now_ms);

    const SimModelOptions& Options() const noexcept { return options_; }

  private:
    double Uniform(double low, double high);

    SimModelOptions options_;
    std::mt19937_64 random_;
};

}  // namespace cosmic::orchestrator
