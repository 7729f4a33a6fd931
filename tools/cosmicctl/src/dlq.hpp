#pragma once
// Dead-letter topics: list what is in them and redrive records to their original topics.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cosmic/kafka/client_config.hpp"
#include "cosmic/kafka/headers.hpp"
#include "topic_reader.hpp"

namespace cosmic::cosmicctl {

inline constexpr std::string_view kReplayedFromHeader = "dlq.replayed_from";
inline constexpr std::string_view kReplayCountHeader = "dlq.replay_count";

/// One dead-letter record with its dlq.* headers read out.
struct DlqEntry {
    ReadRecord record;
    std::string original_topic;  ///< empty when the header is missing
    std::optional<std::int32_t> original_partition;
    std::optional<std::int64_t> original_offset;
    std::string consumer_group;
    std::string error_class;
    std::string error_message;
    std::optional<int> attempts;
    std::string failed_at;
    int replay_count = 0;  ///< from dlq.replay_count of an earlier replay, 0 if none
};

DlqEntry ParseDlqEntry(ReadRecord record);

/// Which records of a DLQ topic to take. Records are taken in (partition, offset) order.
struct DlqSelection {
    std::optional<std::int32_t> partition;    ///< only this partition
    std::optional<std::int64_t> from_offset;  ///< offsets >= this (per partition)
    std::optional<std::int64_t> since_ms;     ///< records written at or after this time
    std::size_t limit = 100;
};

/// The headers a replayed record carries: the original ones without any dlq.* header, then
/// dlq.replayed_from = "<dlq topic>/<partition>/<offset>" and dlq.replay_count = previous + 1.
kafka::Headers ReplayHeaders(const DlqEntry& entry, const std::string& dlq_topic);

/// UsageError unless `topic` names a DLQ topic ("<topic>.dlq").
void RequireDlqTopic(const std::string& topic);

/// Reads the selected records (at most `limit`) of an existing DLQ topic.
std::vector<DlqEntry> ReadDlq(TopicReader& reader, const std::string& dlq_topic, const DlqSelection& selection);

struct ReplayResult {
    std::size_t replayed = 0;
    std::vector<std::string> skipped;  ///< one line per record that was not replayed, with why
};

/// Re-publishes the selected records to their original topics with the idempotent producer,
/// keyed as before (a null key goes back to its original partition). Waits for every delivery;
/// CommandError if any fails. `progress` (optional) is told (records handled, records selected)
/// as the records are sent.
using ReplayProgress = std::function<void(std::size_t done, std::size_t total)>;
ReplayResult ReplayDlq(const kafka::ClientConfig& config, TopicReader& reader, const std::string& dlq_topic,
                       const DlqSelection& selection, std::chrono::milliseconds timeout,
                       const ReplayProgress& progress = {});

}  // namespace cosmic::cosmicctl
