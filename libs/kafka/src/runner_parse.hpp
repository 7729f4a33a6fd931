#pragma once
// Parse-ahead for the consumer runner: while the consumer thread takes the records of a consumed
// batch in and calls handlers strictly in batch order, helper threads parse the records further
// down the batch. Parsing is a pure function of the record's bytes, so moving it changes no
// ordering, offset or outcome: the consumer thread still decides everything, in order, after
// the parse of the record in hand is complete.

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <vector>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/topics.hpp"

namespace cosmic::kafka::runner_detail {

/// What a parse needs and produces; owned by the caller, written by exactly one thread per batch.
struct ParseSlot {
    std::string_view bytes;
    std::optional<schema::TopicId> topic;  ///< nullopt: nothing to parse (consumer error, unknown topic)
    schema::Event* event = nullptr;
    std::optional<schema::Violation>* violation = nullptr;
};

class ParseAhead {
  public:
    /// `workers` helper threads (started on the first batch that uses them).
    explicit ParseAhead(std::size_t workers);
    ~ParseAhead();
    ParseAhead(const ParseAhead&) = delete;
    ParseAhead& operator=(const ParseAhead&) = delete;

    /// Starts parsing `slots` on the helpers. The slots must stay put until End().
    void Begin(std::span<const ParseSlot> slots);
    /// Returns once slot `index` is parsed; parses it (or the next unclaimed slot) on the calling
    /// thread with `parser` when no helper has taken it yet. Call in increasing index order.
    void Await(std::size_t index, schema::Parser& parser);
    /// Waits until no helper touches the batch any more (slots not awaited may stay unparsed).
    void End();
    bool Active() const noexcept { return active_; }

    static void ParseOne(const ParseSlot& slot, schema::Parser& parser);

  private:
    void Work(std::size_t worker);
    /// Claims the next slot; false when all are claimed.
    bool ParseNext(schema::Parser& parser);

    std::size_t worker_count_;
    std::vector<std::thread> threads_;
    std::vector<std::unique_ptr<schema::Parser>> parsers_;

    std::mutex mutex_;
    std::condition_variable wake_;
    std::uint64_t generation_ = 0;  ///< under mutex_: bumped by Begin
    bool stopping_ = false;         ///< under mutex_
    bool open_ = false;             ///< under mutex_: helpers may still join the current batch

    std::span<const ParseSlot> slots_;  ///< written by Begin (no helper inside), read by helpers inside
    std::unique_ptr<std::atomic<std::uint8_t>[]> ready_;
    std::size_t ready_capacity_ = 0;
    std::atomic<std::size_t> next_{0};
    std::atomic<std::size_t> busy_{0};  ///< helpers inside the current batch
    bool active_ = false;               ///< caller thread only
};

}  // namespace cosmic::kafka::runner_detail
