#pragma once
// Event age at a steady rate: a bare librdkafka consumer recording the exact age of every record
// (wall clock at receipt minus the record's create timestamp), and the percentiles of a sample
// or of a Prometheus histogram's buckets (how a service's cosmic_event_age_seconds is read).

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cosmic::bench {

struct Percentiles {
    double p50 = 0;
    double p95 = 0;
    double p99 = 0;
    double max = 0;
    long count = 0;
};

/// Exact percentiles (nearest rank) of `values`.
Percentiles Exact(std::vector<double> values);
/// Percentiles of cumulative `buckets` (upper bound → count, as Prometheus keeps them) the way
/// PromQL's histogram_quantile() interpolates; max is the upper bound of the last bucket used.
Percentiles FromBuckets(const std::map<double, double>& buckets);
/// Cumulative buckets of `values` with `bounds` (the same bounds a service uses), in the unit of `values`.
std::map<double, double> Bucketize(const std::vector<double>& values, const std::vector<double>& bounds);
/// `after` − `before`, bucket by bucket.
std::map<double, double> Delta(const std::map<double, double>& after, const std::map<double, double>& before);

/// A bare consumer in its own thread on a fresh group, recording ages (ms) while recording is on.
class AgeRecorder {
  public:
    AgeRecorder(const std::string& brokers, const std::string& topic, const std::string& group,
                const std::map<std::string, std::string>& properties);
    ~AgeRecorder();
    /// Blocks until the group assigned partitions (records produced after this are all seen).
    void WaitAssigned();
    void Record(bool on);
    std::vector<double> Take();
    long Seen() const { return seen_.load(); }

  private:
    void Run();

    std::string brokers_;
    std::string topic_;
    std::string group_;
    std::map<std::string, std::string> properties_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> assigned_{false};
    std::atomic<bool> recording_{false};
    std::atomic<long> seen_{0};
    std::string error_;
    std::mutex mutex_;
    std::vector<double> ages_;
    std::thread thread_;
};

/// Unix time in milliseconds with sub-millisecond precision (CLOCK_REALTIME).
double NowUnixMs();

}  // namespace cosmic::bench
