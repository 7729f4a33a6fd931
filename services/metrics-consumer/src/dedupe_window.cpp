#include "cosmic/metrics_consumer/dedupe_window.hpp"

#include <bit>

namespace cosmic::metrics {

DedupeWindow::DedupeWindow(std::size_t capacity) : ring_(capacity) {
    if (capacity == 0) return;
    table_.assign(std::bit_ceil(capacity * 2), kEmpty);
    mask_ = table_.size() - 1;
}

bool DedupeWindow::Contains(std::uint64_t key) const {
    if (ring_.empty()) return false;
    key = Normalize(key);
    for (std::size_t i = Home(key);; i = (i + 1) & mask_) {
        if (table_[i] == key) return true;
        if (table_[i] == kEmpty) return false;
    }
}

bool DedupeWindow::CheckAndInsert(std::uint64_t key) {
    if (ring_.empty()) return false;
    key = Normalize(key);
    std::size_t i = Home(key);
    for (; table_[i] != kEmpty; i = (i + 1) & mask_) {
        if (table_[i] == key) return true;
    }
    if (size_ == ring_.size()) {
        // Forgetting the oldest may shift entries back into the probe run; find the slot again.
        Erase(ring_[head_]);
        ring_[head_] = key;
        if (++head_ == ring_.size()) head_ = 0;
        for (i = Home(key); table_[i] != kEmpty; i = (i + 1) & mask_) {
        }
        table_[i] = key;
        // The next insert forgets ring_[head_]: its table slot is a cache miss known now, so
        // start loading it while the caller does other work.
        __builtin_prefetch(&table_[Home(ring_[head_])]);
        return false;
    }
    std::size_t tail = head_ + size_;
    if (tail >= ring_.size()) tail -= ring_.size();
    ring_[tail] = key;
    ++size_;
    table_[i] = key;
    return false;
}

void DedupeWindow::Erase(std::uint64_t key) {
    std::size_t hole = Home(key);
    while (table_[hole] != key) {
        if (table_[hole] == kEmpty) return;
        hole = (hole + 1) & mask_;
    }
    // Backward-shift deletion keeps every probe run contiguous without tombstones.
    for (std::size_t next = (hole + 1) & mask_; table_[next] != kEmpty; next = (next + 1) & mask_) {
        const std::size_t home = Home(table_[next]);
        const bool home_in_gap = hole <= next ? (home > hole && home <= next) : (home > hole || home <= next);
        if (!home_in_gap) {
            table_[hole] = table_[next];
            hole = next;
        }
    }
    table_[hole] = kEmpty;
}

}  // namespace cosmic::metrics
