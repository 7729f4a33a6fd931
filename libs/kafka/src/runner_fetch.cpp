#include "runner_fetch.hpp"

#include <spdlog/spdlog.h>

namespace cosmic::kafka::runner_detail {
namespace {

constexpr double kHigh = 0.6;  ///< of a limit: near it, the fetchers may have stopped
constexpr double kLow = 0.3;   ///< drained to this: wake them, before the queue runs dry
// Bounds how long a stop can wait for the helper when the leaders do not answer (an outage).
constexpr int kQueryTimeoutMs = 1000;

}  // namespace

void FetchKicker::Configure(std::size_t max_messages, std::int64_t max_bytes) {
    max_messages_ = static_cast<double>(max_messages);
    max_bytes_ = static_cast<double>(max_bytes);
}

FetchKicker::~FetchKicker() { Attach(nullptr); }

void FetchKicker::Attach(rd_kafka_t* consumer) {
    {
        std::lock_guard lock(mutex_);
        consumer_ = consumer;
        stopping_ = consumer == nullptr;
        pending_ = false;
    }
    wake_.notify_all();
    if (consumer == nullptr) {
        if (thread_.joinable()) thread_.join();
    } else if (!thread_.joinable()) {
        thread_ = std::thread([this] { Run(); });
    }
}

void FetchKicker::Observe(std::size_t queued, double average_bytes) {
    if (max_messages_ <= 0 || max_bytes_ <= 0) return;  // not configured
    const double messages = static_cast<double>(queued);
    const double bytes = messages * average_bytes;
    if (messages >= kHigh * max_messages_ || bytes >= kHigh * max_bytes_) {
        armed_ = true;
        return;
    }
    if (!armed_ || messages > kLow * max_messages_ || bytes > kLow * max_bytes_) return;
    armed_ = false;
    {
        std::lock_guard lock(mutex_);
        if (consumer_ == nullptr) return;
        pending_ = true;
    }
    wake_.notify_one();
}

void FetchKicker::Run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [this] { return stopping_ || pending_; });
        if (stopping_) return;
        pending_ = false;
        rd_kafka_t* consumer = consumer_;
        lock.unlock();
        rd_kafka_topic_partition_list_t* assignment = nullptr;
        if (rd_kafka_assignment(consumer, &assignment) == RD_KAFKA_RESP_ERR_NO_ERROR && assignment != nullptr) {
            if (assignment->cnt > 0) {
                for (int i = 0; i < assignment->cnt; ++i) assignment->elems[i].offset = RD_KAFKA_OFFSET_END;
                // The answer is not needed: sending the request is what wakes the leaders' threads.
                const rd_kafka_resp_err_t err = rd_kafka_offsets_for_times(consumer, assignment, kQueryTimeoutMs);
                kicks_.fetch_add(1, std::memory_order_relaxed);
                if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                    spdlog::debug("kafka consumer fetch wake-up: {}", rd_kafka_err2str(err));
                }
            }
            rd_kafka_topic_partition_list_destroy(assignment);
        }
        lock.lock();
    }
}

}  // namespace cosmic::kafka::runner_detail
