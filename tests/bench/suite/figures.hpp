#pragma once
// The figures of one benchmark run and how they are written: bench-results.json (every figure
// with its baseline, ratio and goal) and a Markdown table (stdout, docs/kpis.md).

#include <optional>
#include <string>
#include <vector>

namespace cosmic::bench {

/// One measured figure, beside the baseline measured in the same run when it has one.
struct Figure {
    std::string section;  ///< "consumer throughput", "latency", ...
    std::string name;     ///< what was measured, e.g. "metrics-consumer (job-metrics, uncompressed)"
    double value = 0;
    std::string unit;  ///< "events/s", "ms", "MiB"
    std::string baseline_name;
    std::optional<double> baseline;
    /// value / baseline, or baseline / value for figures where lower is better ("ms").
    std::optional<double> ratio;
    std::string goal;  ///< e.g. ">= 60 % of raw"
    std::optional<bool> goal_met;
    std::string note;
};

struct RunInfo {
    std::string broker;  ///< "mock" (dev-broker) or "real" (Apache Kafka)
    std::string commit;
    std::string started_at;  ///< UTC ISO-8601
    unsigned cores = 0;
    bool quick = false;
    std::string command;
};

class Results {
  public:
    explicit Results(RunInfo info) : info_(std::move(info)) {}
    /// Adds a figure and prints it as one line on stderr (progress).
    Figure& Add(Figure figure);
    const std::vector<Figure>& All() const { return figures_; }
    const RunInfo& Info() const { return info_; }

    std::string Json() const;
    /// A heading line with the run's facts, then one table per section.
    std::string Markdown() const;

  private:
    RunInfo info_;
    std::vector<Figure> figures_;
};

/// Ratio helpers: higher-is-better figures compare value / baseline.
std::optional<double> Ratio(double value, double baseline);

}  // namespace cosmic::bench
