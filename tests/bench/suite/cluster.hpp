#pragma once
// A clean cluster for each phase of a benchmark run, so every consumer reads exactly that phase's
// data from the start of its topic: on the dev-broker a fresh dev-broker process (the mock keeps
// at most 5 MiB per partition and cannot delete records), on Apache Kafka the suite's topics
// deleted and created again from the topic table.

#include <filesystem>
#include <memory>
#include <string>

#include "cosmic/testing/child_process.hpp"

namespace cosmic::bench {

class BenchCluster {
  public:
    /// `real_bootstrap` empty: the dev-broker (`dev_broker` binary, 3 brokers); otherwise the
    /// Apache Kafka cluster there.
    BenchCluster(std::filesystem::path work_dir, std::filesystem::path dev_broker, std::string real_bootstrap);
    ~BenchCluster();

    /// A cluster with every suite topic empty; returns its bootstrap list.
    std::string Fresh();
    bool Real() const { return !real_bootstrap_.empty(); }
    std::string Bootstrap() const { return bootstrap_; }

  private:
    void StopMock();
    void RecreateTopics();

    std::filesystem::path work_dir_;
    std::filesystem::path dev_broker_;
    std::string real_bootstrap_;
    std::string bootstrap_;
    std::unique_ptr<testing::ChildProcess> mock_;
    int generation_ = 0;
};

}  // namespace cosmic::bench
