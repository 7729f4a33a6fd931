#pragma once
// What every part of the runner shares (runner_impl.hpp lists the parts): a consumed record the
// runner still owns, why a handler call failed, what came of it, and the table of topics it
// consumes. The topic table is built once; the metrics' buffers in it are written by the
// consumer thread only.

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/schema/event.hpp"
#include "cosmic/schema/parser.hpp"
#include "cosmic/schema/topics.hpp"
#include "runner_metrics.hpp"

namespace cosmic::kafka::runner_detail {

using Clock = std::chrono::steady_clock;

struct MessageDeleter {
    void operator()(rd_kafka_message_t* message) const noexcept { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, decltype(&rd_kafka_topic_partition_list_destroy)>;

inline PartitionList NewPartitionList(int size) {
    return PartitionList(rd_kafka_topic_partition_list_new(size), &rd_kafka_topic_partition_list_destroy);
}

/// A consumed record the runner still owns: the librdkafka message and its parse result.
struct Held {
    MessagePtr message;
    std::size_t topic = 0;  ///< index into the TopicTable
    schema::Event event;
    std::optional<schema::Violation> violation;
    bool dlq_acked = false;
};

/// Why a handler call did not end in Ok: the future dlq.error.class and dlq.error.message.
struct Failure {
    std::string error_class;
    std::string message;  ///< at most kMaxDlqErrorMessageBytes (cut when set)
};

/// What came out of one handler call (or of no call, for a record nobody handles).
enum class Result : std::uint8_t { kOk, kSkipped, kRetry, kDeadLetter };

/// A table topic the runner consumes: its names and its metric handles.
struct TopicState {
    std::string name;
    const schema::TopicSpec* spec = nullptr;
    std::string dlq_name;
    std::unique_ptr<TopicMetrics> metrics;
};

/// The consumed topics by index (Held::topic), fixed at construction.
class TopicTable {
  public:
    /// `names` must be table topics (the runner validates its options first).
    TopicTable(const std::vector<std::string>& names, RunnerFamilies& families) {
        for (const auto& name : names) {
            TopicState state;
            state.name = name;
            state.spec = schema::FindTopic(name);
            state.dlq_name = schema::DlqTopicName(name);
            state.metrics = std::make_unique<TopicMetrics>(*state.spec, families.consumed, families.retries,
                                                           families.dlq, families.processing, families.age);
            topics_.push_back(std::move(state));
        }
    }

    std::size_t Size() const noexcept { return topics_.size(); }
    const TopicState& operator[](std::size_t index) const noexcept { return topics_[index]; }
    std::vector<TopicState>::const_iterator begin() const noexcept { return topics_.begin(); }
    std::vector<TopicState>::const_iterator end() const noexcept { return topics_.end(); }

    /// The index of a consumed topic, nullopt for any other name (a linear scan: a runner
    /// consumes a handful of topics).
    std::optional<std::size_t> Index(std::string_view name) const noexcept {
        for (std::size_t i = 0; i < topics_.size(); ++i) {
            if (topics_[i].name == name) {
                return i;
            }
        }
        return std::nullopt;
    }

  private:
    std::vector<TopicState> topics_;
};

}  // namespace cosmic::kafka::runner_detail
