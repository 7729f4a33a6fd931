#pragma once
// A service binary under measurement: started on a fresh consumer group, watched through its
// /metrics (events consumed, the event-age histogram) and /proc (CPU, RSS).

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "cosmic/testing/service_process.hpp"
#include "raw_consumer.hpp"

namespace cosmic::bench {

/// Bearer token of the benchmark's admin identity (every service's tokens file has it).
inline constexpr const char* kBenchToken = "bench-admin-token";

class ServiceProbe {
  public:
    /// Prepares `name` (binary `binary`) on `bootstrap` in `run_dir`/`name`-`tag`; `env` adds settings.
    ServiceProbe(const std::string& name, const std::filesystem::path& binary, const std::filesystem::path& run_dir,
                 const std::string& tag, const std::string& bootstrap, std::map<std::string, std::string> env);
    ~ServiceProbe();

    void Start();
    void Stop();
    testing::ServiceProcess& Process() { return *process_; }

    std::string Scrape() const;
    /// Sum of cosmic_events_consumed_total over every label set.
    double Consumed() const;
    /// Waits until `count` events are consumed; the rate between the first poll that saw any and
    /// the one that saw `count`. Throws on timeout (naming how many arrived).
    Throughput WaitConsumed(double count, std::chrono::milliseconds timeout = std::chrono::minutes(5));
    /// CPU seconds (user + system) of the process so far.
    double CpuSeconds() const;
    /// Resident set size in MiB.
    double RssMiB() const;

  private:
    std::unique_ptr<testing::ServiceProcess> process_;
};

}  // namespace cosmic::bench
