#pragma once
/// The health.heartbeat every service sends to system-health: every `interval` a callback
/// collects the service's snapshot (status + metrics object), the component wraps it in the
/// envelope with component_id = the instance id (also the record key, so one instance's
/// heartbeats stay ordered on one partition) and publishes it with the service's Producer.
/// Services keep only their snapshot -> metrics mapping.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "cosmic/schema/event.hpp"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace cosmic::kafka {

class Producer;

/// What one heartbeat reports.
struct HeartbeatSnapshot {
    schema::HealthStatus status = schema::HealthStatus::kHealthy;
    /// A JSON object (e.g. written with schema::JsonWriter); "{}" when the service has nothing to add.
    std::string metrics = "{}";
};

/// A health.heartbeat event for system-health carrying `snapshot`.
schema::Event MakeHeartbeatEvent(std::string_view source, std::string_view component_id, HeartbeatSnapshot snapshot);

struct HeartbeatOptions {
    std::string source;        ///< the envelope's source: the service name
    std::string component_id;  ///< the instance id: component_id and record key
    /// Period; the first heartbeat goes one interval after Start(). <= 0 turns the periodic
    /// heartbeat off (PublishNow and the final heartbeat still work).
    std::chrono::milliseconds interval{std::chrono::seconds(10)};
    /// Publish one last heartbeat from Stop(), so system-health sees the final numbers (before
    /// the producer is flushed: stop the heartbeat before the producer).
    bool final_on_stop = false;
};

/// Counts since construction. `failed` = not queued (Publish refused) + delivery failed +
/// collect threw; a heartbeat skipped because Kafka is disabled counts as neither.
struct HeartbeatCounts {
    std::uint64_t published = 0;  ///< acknowledged by the broker
    std::uint64_t failed = 0;
};

class Heartbeat {
  public:
    /// Collects the snapshot; runs on the heartbeat thread (or the caller of PublishNow/Stop).
    using Collect = std::function<HeartbeatSnapshot()>;

    /// `producer` must outlive this object. `registry` (may be null) gets
    /// cosmic_heartbeats_total{result="published|failed"}.
    Heartbeat(Producer& producer, HeartbeatOptions options, Collect collect,
              const std::shared_ptr<prometheus::Registry>& registry = nullptr);
    /// Stops (without a final heartbeat when Stop() was not called).
    ~Heartbeat();
    Heartbeat(const Heartbeat&) = delete;
    Heartbeat& operator=(const Heartbeat&) = delete;

    /// Starts the timer thread (nothing when interval <= 0). Call once.
    void Start();
    /// Stops the timer thread, then sends the final heartbeat when final_on_stop. Idempotent.
    void Stop();
    /// Collects and publishes one heartbeat now. False when it could not be queued.
    bool PublishNow();

    HeartbeatCounts Counts() const noexcept;
    const HeartbeatOptions& Options() const noexcept { return options_; }

  private:
    struct State;

    void Loop();

    Producer& producer_;
    HeartbeatOptions options_;
    Collect collect_;
    /// Shared with delivery callbacks, which may run after this object is gone.
    std::shared_ptr<State> state_;

    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    bool stopped_ = false;
    std::thread thread_;
};

}  // namespace cosmic::kafka
