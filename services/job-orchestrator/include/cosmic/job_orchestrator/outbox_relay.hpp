#pragma once
/// Publishes the outbox: reads pending rows in id (= commit) order in batches, hands them to the
/// idempotent producer and marks them sent when their delivery report arrives.
///
/// Per-job order: rows are handed over strictly in id order by one thread, and the producer is
/// idempotent and keyed by job_id (same partition, max.in.flight <= 5), so row N+1 of a job never
/// leaves before row N. After a failed delivery the relay stops handing over rows, waits until
/// nothing is in flight, and starts again from the oldest pending row, so a retried row never
/// overtakes a later row of its job that had not been sent yet.
///
/// Wakes on Notify() (rows committed), on delivery reports, and on a timer (rows written by
/// another process, retry after a failure). Acknowledged rows are marked sent by a second thread,
/// so reading and producing never wait for a store commit; a restart from the oldest pending row
/// waits until every acknowledged row is marked, so it never republishes one. Delivery is at-least-once: a crash after
/// the broker acknowledged a row but before it was marked sent republishes it with the same event_id.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cosmic/job_orchestrator/job_store.hpp"
#include "cosmic/kafka/producer.hpp"

namespace prometheus {
class Counter;
class Histogram;
}  // namespace prometheus

namespace cosmic::orchestrator {

struct RelayOptions {
    /// Rows read per query.
    std::size_t batch_size = 2000;
    /// Rows handed to the producer and not yet reported; the relay's memory bound.
    std::size_t max_in_flight = 20000;
    /// Wake-up without a notification.
    std::chrono::milliseconds poll_interval{1000};
    /// Wait after a failed delivery before publishing again from the oldest pending row.
    std::chrono::milliseconds retry_backoff{1000};
    /// Stamps rows sent; the service passes its own clock.
    schema::EpochClock clock = schema::NowEpochMs;
};

/// Cached metric handles (any may be null).
struct RelayMetrics {
    prometheus::Counter* published = nullptr;  ///< rows acknowledged and marked sent
    prometheus::Counter* skipped = nullptr;    ///< rows marked sent without sending (Kafka disabled)
    prometheus::Counter* failed = nullptr;     ///< failed deliveries (rows stay pending)
    prometheus::Histogram* latency = nullptr;  ///< seconds from commit to acknowledgement
};

struct RelayStats {
    std::uint64_t published = 0;
    std::uint64_t skipped = 0;
    std::uint64_t failed = 0;
    std::uint64_t rewinds = 0;
    std::size_t in_flight = 0;
};

class OutboxRelay {
  public:
    OutboxRelay(JobStore& store, kafka::Producer& producer, RelayOptions options, RelayMetrics metrics = {});
    ~OutboxRelay();
    OutboxRelay(const OutboxRelay&) = delete;
    OutboxRelay& operator=(const OutboxRelay&) = delete;

    void Start();
    /// Stops reading rows, waits (until `deadline`) for the rows in flight, marks the delivered
    /// ones sent and joins the thread. Rows still undelivered stay pending. Idempotent.
    void Stop(std::chrono::steady_clock::time_point deadline);

    /// Rows were committed: publish them now rather than at the next timer.
    void Notify();

    RelayStats Stats() const;

  private:
    struct Ack {
        std::int64_t id;
        std::int64_t created_at_ms;
        bool ok;
        bool skipped;
    };

    void Run();
    /// Hands pending rows to the producer; returns true when a full batch was read (more may wait).
    bool PublishBatch();
    void OnDelivery(std::int64_t id, std::int64_t created_at_ms, const kafka::DeliveryReport& report);
    /// Counts acks and hands the acknowledged rows to the marker; returns false when a delivery failed.
    bool Settle(std::vector<Ack>& acks);
    /// The marker thread: commits mark-sent batches.
    void MarkLoop();
    void FinalFlush(std::chrono::steady_clock::time_point deadline);

    JobStore& store_;
    kafka::Producer& producer_;
    RelayOptions options_;
    RelayMetrics metrics_;

    mutable std::mutex mutex_;
    std::condition_variable wake_;
    bool notified_ = false;
    bool stopping_ = false;
    std::chrono::steady_clock::time_point stop_deadline_{};
    std::vector<Ack> acks_;
    std::size_t in_flight_ = 0;
    RelayStats stats_;
    // Marker (guarded by mutex_).
    std::condition_variable mark_wake_;
    std::vector<std::int64_t> to_mark_;
    bool marking_ = false;      ///< the marker holds a batch it has not committed yet
    bool mark_failed_ = false;  ///< a mark-sent commit failed: those rows are published again
    bool marker_stopping_ = false;
    std::thread marker_;

    // Relay thread only.
    std::int64_t cursor_ = 0;
    bool rewinding_ = false;
    std::chrono::steady_clock::time_point retry_at_{};
    std::vector<OutboxRow> rows_;
    kafka::Headers headers_;
    std::thread thread_;
    bool started_ = false;
};

}  // namespace cosmic::orchestrator
