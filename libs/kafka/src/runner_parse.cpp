#include "runner_parse.hpp"

namespace cosmic::kafka::runner_detail {
namespace {

// Spins this many times on a flag before sleeping on it: another thread's parse takes about a
// microsecond, far less than a sleep and wake-up.
constexpr int kSpins = 256;

template <typename T>
void WaitWhile(const std::atomic<T>& flag, T value) {
    for (int i = 0; i < kSpins; ++i) {
        if (flag.load(std::memory_order_acquire) != value) {
            return;
        }
    }
    while (flag.load(std::memory_order_acquire) == value) {
        flag.wait(value, std::memory_order_acquire);
    }
}

}  // namespace

ParseAhead::ParseAhead(std::size_t workers) : worker_count_(workers) {}

ParseAhead::~ParseAhead() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& thread : threads_) {
        thread.join();
    }
}

void ParseAhead::ParseOne(const ParseSlot& slot, schema::Parser& parser) {
    if (slot.topic) {
        *slot.violation = parser.Parse(*slot.topic, slot.bytes, *slot.event);
    }
}

void ParseAhead::Begin(std::span<const ParseSlot> slots) {
    if (worker_count_ == 0 || slots.empty()) {
        return;
    }
    if (threads_.empty()) {
        for (std::size_t i = 0; i < worker_count_; ++i) {
            parsers_.push_back(std::make_unique<schema::Parser>());
        }
        for (std::size_t i = 0; i < worker_count_; ++i) {
            threads_.emplace_back([this, i] { Work(i); });
        }
    }
    if (slots.size() > ready_capacity_) {
        ready_ = std::make_unique<std::atomic<std::uint8_t>[]>(slots.size());
        ready_capacity_ = slots.size();
    }
    for (std::size_t i = 0; i < slots.size(); ++i) {
        ready_[i].store(0, std::memory_order_relaxed);
    }
    {
        std::lock_guard lock(mutex_);
        slots_ = slots;
        next_.store(0, std::memory_order_relaxed);
        open_ = true;
        ++generation_;
    }
    active_ = true;
    wake_.notify_all();
}

bool ParseAhead::ParseNext(schema::Parser& parser) {
    const std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
    if (index >= slots_.size()) {
        return false;
    }
    ParseOne(slots_[index], parser);
    ready_[index].store(1, std::memory_order_release);
    ready_[index].notify_all();
    return true;
}

void ParseAhead::Await(std::size_t index, schema::Parser& parser) {
    if (!active_) {
        return;
    }
    // Slots before `index` are done (awaited in order), so every unclaimed slot is at or after it:
    // parse those here until `index` is claimed, then wait for whoever has it.
    while (ready_[index].load(std::memory_order_acquire) == 0 && next_.load(std::memory_order_relaxed) <= index) {
        if (!ParseNext(parser)) {
            break;
        }
    }
    WaitWhile<std::uint8_t>(ready_[index], 0);
}

void ParseAhead::End() {
    if (!active_) {
        return;
    }
    {
        // Helpers enter a batch under the mutex: after this no one starts on it, and the ones
        // inside stop at their next claim.
        std::lock_guard lock(mutex_);
        open_ = false;
        next_.store(slots_.size(), std::memory_order_relaxed);
    }
    for (std::size_t busy = busy_.load(std::memory_order_acquire); busy != 0;
         busy = busy_.load(std::memory_order_acquire)) {
        WaitWhile<std::size_t>(busy_, busy);
    }
    active_ = false;
}

void ParseAhead::Work(std::size_t worker) {
    schema::Parser& parser = *parsers_[worker];
    std::uint64_t seen = 0;
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
            if (stopping_) {
                return;
            }
            seen = generation_;
            if (!open_) {
                continue;  // that batch already ended
            }
            busy_.fetch_add(1, std::memory_order_relaxed);
        }
        while (ParseNext(parser)) {
        }
        busy_.fetch_sub(1, std::memory_order_release);
        busy_.notify_all();
    }
}

}  // namespace cosmic::kafka::runner_detail
