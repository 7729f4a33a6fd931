#pragma once
// Keeps a busy consumer's fetchers awake (librdkafka 2.0.x).
//
// librdkafka stops fetching a partition while the consumer queue holds queued.min.messages
// records or queued.max.messages.kbytes of them (the partitions' fetch queues are forwarded to
// the consumer queue, so these are limits on the consumer's total), and a broker thread that has
// nothing to fetch looks again only when something else wakes it, up to a second later. The
// application draining the queue does not wake it (librdkafka #2879; 2.1 added
// fetch.queue.backoff.ms). So a consumer slower than its brokers, which is any consumer that
// does real work, fills the queue, drains it in a fraction of a second and then idles for the
// rest of that second: a third of its speed or less.
//
// FetchKicker watches the queue after every consume. Once it has been near either limit and has
// drained to a third of it, a helper thread asks the assignment's leaders for their latest
// offsets (one small read-only ListOffsets request per leader). The request wakes those broker
// threads, which then find their partitions fetchable again and fetch at once.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <thread>

namespace cosmic::kafka::runner_detail {

class FetchKicker {
  public:
    FetchKicker() = default;
    ~FetchKicker();
    FetchKicker(const FetchKicker&) = delete;
    FetchKicker& operator=(const FetchKicker&) = delete;

    /// The consumer's queued.min.messages and queued.max.messages.kbytes (in bytes); before Attach.
    void Configure(std::size_t max_messages, std::int64_t max_bytes);
    /// Starts the helper for `consumer`; nullptr stops it (before the consumer is destroyed).
    void Attach(rd_kafka_t* consumer);
    /// Consumer thread, after each consume: records still queued and their average size.
    void Observe(std::size_t queued, double average_bytes);
    /// Wake-ups sent so far.
    std::uint64_t Kicks() const noexcept { return kicks_.load(std::memory_order_relaxed); }

  private:
    void Run();

    double max_messages_ = 0;
    double max_bytes_ = 0;
    bool armed_ = false;  ///< consumer thread: the queue was near a limit since the last kick

    std::mutex mutex_;
    std::condition_variable wake_;
    rd_kafka_t* consumer_ = nullptr;  ///< under mutex_
    bool pending_ = false;            ///< under mutex_
    bool stopping_ = false;           ///< under mutex_
    std::thread thread_;
    std::atomic<std::uint64_t> kicks_{0};
};

}  // namespace cosmic::kafka::runner_detail
