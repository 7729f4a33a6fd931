#pragma once
// The benchmark run behind scripts/bench: every phase on a clean cluster, each figure beside its
// baseline from the same run (a bare librdkafka loop on the same data, kcat, the KafkaJS peer,
// SQLite alone), written to bench-results.json and a Markdown table.

#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "cluster.hpp"
#include "figures.hpp"
#include "raw_consumer.hpp"
#include "service_probe.hpp"

namespace cosmic::bench {

struct SuiteOptions {
    std::string real_bootstrap;  ///< empty: the dev-broker
    bool quick = false;
    std::filesystem::path work_dir;
    std::filesystem::path kafkajs;  ///< scripts/lib/bench/kafkajs-peer; empty = skip the peer
    std::string kcat = "kcat";      ///< empty = skip kcat
    std::set<std::string> phases;   ///< empty = all: schema, metrics, metrics-lz4, notification, audit, health,
                                    ///< orchestrator, latency, memory
    /// Settings every service under measurement gets (--service-env NAME=VALUE), e.g. a profile to try.
    std::map<std::string, std::string> service_env;
    std::string commit;
    std::string command;
};

/// Paths of the binaries a run starts (compiled in from the build).
struct Binaries {
    std::filesystem::path dev_broker, metrics, notification, audit, health, orchestrator, schema_bench, audit_bench;
};

class Suite {
  public:
    Suite(SuiteOptions options, Binaries binaries);
    Results Run();

  private:
    bool Wants(const std::string& phase) const;
    long Events(long full, long quick) const { return options_.quick ? quick : full; }
    int Rounds() const { return options_.quick ? 1 : 3; }
    std::string Group(const std::string& what);

    void MetricsThroughput(bool compressed);
    void NotificationThroughput();
    void AuditThroughput();
    void HealthThroughput();
    void OrchestratorThroughput();
    void Latency();
    void Memory();
    void Schema();

    /// Best-of-rounds throughput of `name` over data already on the cluster.
    Throughput BestService(const std::string& name, const std::filesystem::path& binary, long events,
                           const std::map<std::string, std::string>& env);
    Throughput BestRaw(const std::string& topic, long events);
    /// A service on the current cluster with the run's --service-env on top of `env`.
    ServiceProbe Probe(const std::string& name, const std::filesystem::path& binary, const std::filesystem::path& dir,
                       const std::string& tag, const std::string& bootstrap, std::map<std::string, std::string> env);
    std::map<std::string, std::string> NotificationEnv(const std::string& smtp_url);

    SuiteOptions options_;
    Binaries bin_;
    BenchCluster cluster_;
    Results results_;
    int groups_ = 0;
};

}  // namespace cosmic::bench
