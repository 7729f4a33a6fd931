#include "cosmic/job_orchestrator/sim_model.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

namespace cosmic::orchestrator {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kFailures = {{
    {"out of memory: the job exceeded its memory limit", "SIM_OOM"},
    {"worker node lost during execution", "SIM_NODE_LOST"},
    {"process exited with status 1", "SIM_EXIT_NONZERO"},
    {"input dataset not readable", "SIM_INPUT_ERROR"},
}};

std::uint64_t Seed(std::uint64_t configured) {
    if (configured != 0) return configured;
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

std::string_view ToString(DurationDistribution distribution) noexcept {
    switch (distribution) {
        case DurationDistribution::kFixed:
            return "fixed";
        case DurationDistribution::kUniform:
            return "uniform";
        case DurationDistribution::kExponential:
            return "exponential";
    }
    return "uniform";
}

DurationDistribution ParseDurationDistribution(std::string_view text) {
    if (text == "fixed") return DurationDistribution::kFixed;
    if (text == "uniform") return DurationDistribution::kUniform;
    if (text == "exponential") return DurationDistribution::kExponential;
    throw std::invalid_argument("unknown duration distribution " + std::string(text));
}

SimModel::SimModel(SimModelOptions options) : options_(options), random_(Seed(options.seed)) {
    if (options_.max < options_.min) std::swap(options_.min, options_.max);
}

double SimModel::Uniform(double low, double high) { return std::uniform_real_distribution<double>(low, high)(random_); }

std::chrono::milliseconds SimModel::Duration() {
    const auto min = static_cast<double>(options_.min.count());
    const auto max = static_cast<double>(options_.max.count());
    double ms = 0;
    switch (options_.distribution) {
        case DurationDistribution::kFixed:
            ms = static_cast<double>(options_.mean.count());
            break;
        case DurationDistribution::kUniform:
            ms = max > min ? Uniform(min, max) : min;
            break;
        case DurationDistribution::kExponential: {
            const double mean = std::max(1.0, static_cast<double>(options_.mean.count()));
            ms = std::clamp(std::exponential_distribution<double>(1.0 / mean)(random_), min, std::max(min, max));
            break;
        }
    }
    return std::chrono::milliseconds(static_cast<std::int64_t>(ms));
}

std::optional<SimFailure> SimModel::Outcome() {
    if (options_.failure_rate <= 0 || Uniform(0, 1) >= options_.failure_rate) return std::nullopt;
    const auto& [error, code] = kFailures[std::uniform_int_distribution<std::size_t>(0, kFailures.size() - 1)(random_)];
    return SimFailure{std::string(error), std::string(code)};
}

SimUsage SimModel::NewUsage() {
    SimUsage usage;
    usage.cpu_base = Uniform(20, 90);
    usage.memory_base_mb = Uniform(256, 4096);
    return usage;
}

schema::MetricsSample SimModel::Sample(SimUsage& usage, std::int64_t elapsed_ms, std::int64_t now_ms) {
    schema::MetricsSample sample;
    sample.cpu_percent = std::clamp(usage.cpu_base + Uniform(-10, 10), 0.0, 100.0);
    sample.memory_mb = std::max(0.0, usage.memory_base_mb * Uniform(0.9, 1.1));
    usage.io_read_mb += Uniform(0, 50);
    usage.io_write_mb += Uniform(0, 20);
    sample.io_read_mb = usage.io_read_mb;
    sample.io_write_mb = usage.io_write_mb;
    sample.execution_time_ms = std::max<std::int64_t>(0, elapsed_ms);
    sample.sampled_at = schema::FormatTimestamp(now_ms);
    return sample;
}

}  // namespace cosmic::orchestrator
