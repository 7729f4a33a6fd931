#include "cluster.hpp"

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "cosmic/schema/topics.hpp"
#include "support/admin_client.hpp"

namespace cosmic::bench {

BenchCluster::BenchCluster(std::filesystem::path work_dir, std::filesystem::path dev_broker, std::string real_bootstrap)
    : work_dir_(std::move(work_dir)), dev_broker_(std::move(dev_broker)), real_bootstrap_(std::move(real_bootstrap)) {}

BenchCluster::~BenchCluster() { StopMock(); }

void BenchCluster::StopMock() {
    if (mock_) {
        mock_->Stop(std::chrono::seconds(10));
        mock_.reset();
    }
}

std::string BenchCluster::Fresh() {
    ++generation_;
    if (Real()) {
        RecreateTopics();
        bootstrap_ = real_bootstrap_;
        return bootstrap_;
    }
    StopMock();
    const auto file = work_dir_ / ("dev-broker-" + std::to_string(generation_) + ".bootstrap");
    std::filesystem::remove(file);
    testing::ProcessOptions options;
    options.binary = dev_broker_;
    options.args = {"--brokers", "3", "--bootstrap-file", file.string(), "--log-level", "warn"};
    options.stdout_path = work_dir_ / "dev-broker.log";
    mock_ = std::make_unique<testing::ChildProcess>(options);
    // The bootstrap file is written (atomically) before the broker announces itself.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(file)) {
        if (!mock_->Running())
            throw std::runtime_error("dev-broker exited at start; see " + options.stdout_path.string());
        if (std::chrono::steady_clock::now() > give_up) throw std::runtime_error("dev-broker did not start in 30 s");
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // polling a file another process writes
    }
    std::ifstream in(file);
    std::getline(in, bootstrap_);
    if (bootstrap_.empty()) throw std::runtime_error("dev-broker wrote an empty bootstrap file");
    return bootstrap_;
}

void BenchCluster::RecreateTopics() {
    e2e::AdminClient admin(real_bootstrap_);
    for (const schema::TopicSpec& spec : schema::AllTopics()) {
        for (const std::string& name : {std::string(spec.name), std::string(spec.name) + ".dlq"}) {
            try {
                admin.DeleteTopic(name);
            } catch (const std::exception&) {
                // absent already
            }
            // The producers choose the compression (the topic table's, or none for the side-by-side
            // with KafkaJS, which reads no lz4): a topic-level codec would recompress every batch.
            std::map<std::string, std::string> configs = {{"compression.type", "producer"},
                                                          {"min.insync.replicas", "2"}};
            const int replication = 3;
            admin.CreateTopic(name, spec.partitions, replication, configs);
        }
    }
}

}  // namespace cosmic::bench
