#pragma once
/// Every replica reads every heartbeat: a broadcast read of all system-health partitions by
/// explicit assignment, outside any consumer group. A group would split the partitions between
/// the replicas (each would see a third of the components) and commit offsets nobody needs; a
/// group per replica would leave a group behind for every pod name and dead-letter a bad record
/// once per replica. So: assign() all partitions, start each at `replay_records` before its end
/// (the registry is rebuilt from recent heartbeats after a restart), never commit.
///
/// One thread polls and hands each valid event to the sink; invalid records are counted (the
/// leadership group's runner dead-letters them, once). The thread waits for Kafka instead of
/// failing startup when the cluster is not reachable yet.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/kafka/client_config.hpp"
#include "cosmic/schema/event.hpp"
#include "cosmic/service/component.hpp"

namespace prometheus {
class Counter;
class Registry;
}  // namespace prometheus

namespace cosmic::health {

class HeartbeatReader final : public service::Component {
  public:
    /// Gets each valid system-health event, on the reader's thread.
    using Sink = std::function<void(const schema::Event&)>;

    HeartbeatReader(kafka::ClientConfig client, std::string client_id, std::int64_t replay_records, Sink sink,
                    prometheus::Registry& registry);
    ~HeartbeatReader() override;

    std::string_view Name() const override { return "heartbeat-reader"; }
    void Start() override;
    void Stop(std::chrono::steady_clock::time_point deadline) override;

    /// For /readyz: assigned (with the partition count) or waiting, and why.
    bool Ready(std::string& detail) const;

    /// The partitions' high watermarks now (nullopt before assignment or when the cluster does
    /// not answer within `timeout`).
    std::optional<std::vector<std::int64_t>> HighWatermarks(std::chrono::milliseconds timeout) const;
    /// True when every partition was read up to `targets` (as returned by HighWatermarks).
    bool Reached(const std::vector<std::int64_t>& targets) const;

  private:
    bool Assign();
    void Run();

    kafka::ClientConfig client_;
    std::string client_id_;
    std::int64_t replay_records_;
    Sink sink_;
    prometheus::Counter* invalid_;
    prometheus::Counter* errors_;

    struct Handle;
    std::unique_ptr<Handle> handle_;
    std::atomic<bool> stopping_{false};
    std::atomic<bool> assigned_{false};
    int partitions_ = 0;
    /// Next offset to read per partition; written by the reader thread, read by the evaluator.
    std::unique_ptr<std::atomic<std::int64_t>[]> positions_;
    mutable std::mutex status_mutex_;
    std::string status_ = "not started";
    std::thread thread_;
};

}  // namespace cosmic::health
