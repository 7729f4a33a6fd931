#include "dlq.hpp"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <mutex>

#include "args.hpp"
#include "cosmic/kafka/dlq.hpp"
#include "cosmic/kafka/producer.hpp"

namespace cosmic::cosmicctl {
namespace {

template <class T>
std::optional<T> Number(const std::optional<std::string_view>& text) {
    if (!text) {
        return std::nullopt;
    }
    T value{};
    auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc() || ptr != text->data() + text->size() || text->empty()) {
        return std::nullopt;
    }
    return value;
}

std::string Text(const std::optional<std::string_view>& text) { return text ? std::string(*text) : std::string(); }

}  // namespace

DlqEntry ParseDlqEntry(ReadRecord record) {
    DlqEntry entry;
    const kafka::HeaderView headers(&record.headers);
    entry.original_topic = Text(headers.Get(kafka::header::kDlqOriginalTopic));
    entry.original_partition = Number<std::int32_t>(headers.Get(kafka::header::kDlqOriginalPartition));
    entry.original_offset = Number<std::int64_t>(headers.Get(kafka::header::kDlqOriginalOffset));
    entry.consumer_group = Text(headers.Get(kafka::header::kDlqConsumerGroup));
    entry.error_class = Text(headers.Get(kafka::header::kDlqErrorClass));
    entry.error_message = Text(headers.Get(kafka::header::kDlqErrorMessage));
    entry.attempts = Number<int>(headers.Get(kafka::header::kDlqAttempts));
    entry.failed_at = Text(headers.Get(kafka::header::kDlqFailedAt));
    entry.replay_count = Number<int>(headers.Get(kReplayCountHeader)).value_or(0);
    entry.record = std::move(record);
    return entry;
}

kafka::Headers ReplayHeaders(const DlqEntry& entry, const std::string& dlq_topic) {
    kafka::Headers headers;
    for (const auto& header : entry.record.headers) {
        if (header.name.rfind(kafka::header::kDlqPrefix, 0) != 0) {
            headers.push_back(header);
        }
    }
    headers.push_back({std::string(kReplayedFromHeader), dlq_topic + "/" + std::to_string(entry.record.partition) +
                                                             "/" + std::to_string(entry.record.offset)});
    headers.push_back({std::string(kReplayCountHeader), std::to_string(entry.replay_count + 1)});
    return headers;
}

void RequireDlqTopic(const std::string& topic) {
    constexpr std::string_view kSuffix = ".dlq";
    if (topic.size() <= kSuffix.size() || topic.compare(topic.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
        throw UsageError("'" + topic + "' is not a dead-letter topic; use " + topic + ".dlq");
    }
}

std::vector<DlqEntry> ReadDlq(TopicReader& reader, const std::string& dlq_topic, const DlqSelection& selection) {
    const int partitions = reader.PartitionCount(dlq_topic);
    if (selection.partition && (*selection.partition < 0 || *selection.partition >= partitions)) {
        throw CommandError(dlq_topic + " has no partition " + std::to_string(*selection.partition) + " (it has " +
                           std::to_string(partitions) + ")");
    }
    std::vector<ReadRange> ranges;
    for (std::int32_t p = 0; p < partitions; ++p) {
        if (selection.partition && p != *selection.partition) {
            continue;
        }
        auto [low, high] = reader.Watermarks(dlq_topic, p);
        std::int64_t start = low;
        if (selection.from_offset) {
            start = std::max(start, *selection.from_offset);
        }
        ranges.push_back({p, start, high});
    }
    // At most `limit` from each partition is enough for the first `limit` in (partition, offset)
    // order, and keeps memory bounded however large the topic is.
    // --since filters by record timestamp while reading. (Seeking with offsets-for-times would
    // skip the scan on Kafka, but the mock cluster answers every time lookup with the end.)
    std::map<std::int32_t, std::size_t> taken;
    std::vector<DlqEntry> entries;
    reader.Read(dlq_topic, ranges, [&](ReadRecord&& record) {
        if (selection.since_ms && record.timestamp_ms >= 0 && record.timestamp_ms < *selection.since_ms) {
            return true;
        }
        if (taken[record.partition]++ < selection.limit) {
            entries.push_back(ParseDlqEntry(std::move(record)));
        }
        return true;
    });
    std::sort(entries.begin(), entries.end(), [](const DlqEntry& a, const DlqEntry& b) {
        return std::tie(a.record.partition, a.record.offset) < std::tie(b.record.partition, b.record.offset);
    });
    if (entries.size() > selection.limit) {
        entries.resize(selection.limit);
    }
    return entries;
}

ReplayResult ReplayDlq(const kafka::ClientConfig& config, TopicReader& reader, const std::string& dlq_topic,
                       const DlqSelection& selection, std::chrono::milliseconds timeout,
                       const ReplayProgress& progress) {
    const std::vector<DlqEntry> entries = ReadDlq(reader, dlq_topic, selection);
    const auto topics = reader.Topics();
    ReplayResult result;
    if (entries.empty()) {
        return result;
    }

    kafka::ProducerOptions options;
    options.client_id = "cosmicctl-replay";
    options.delivery_timeout = timeout;
    options.flush_timeout = timeout;
    kafka::Producer producer(config, options, nullptr);

    std::mutex mutex;
    std::vector<std::string> failures;
    std::atomic<std::size_t> delivered{0};
    std::vector<kafka::Headers> headers(entries.size());  // alive until the flush below
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const DlqEntry& entry = entries[i];
        const std::string where =
            dlq_topic + "/" + std::to_string(entry.record.partition) + "/" + std::to_string(entry.record.offset);
        if (entry.original_topic.empty()) {
            result.skipped.push_back(where + ": no dlq.original.topic header");
            continue;
        }
        auto topic = topics.find(entry.original_topic);
        if (topic == topics.end()) {
            result.skipped.push_back(where + ": original topic '" + entry.original_topic + "' does not exist");
            continue;
        }
        headers[i] = ReplayHeaders(entry, dlq_topic);
        kafka::OutgoingMessage message;
        message.topic = entry.original_topic;
        if (entry.record.key) {
            message.key = *entry.record.key;
        } else if (entry.original_partition && *entry.original_partition < topic->second) {
            // No key to hash: go back where it came from.
            message.partition = *entry.original_partition;
        }
        message.value = entry.record.value;
        message.headers = headers[i];
        const kafka::KafkaError queued = producer.Send(message, [&, where](const kafka::DeliveryReport& report) {
            if (report.error) {
                std::lock_guard lock(mutex);
                failures.push_back(where + ": " + report.error.ToString());
            } else {
                delivered.fetch_add(1);
            }
        });
        if (queued) {
            std::lock_guard lock(mutex);
            failures.push_back(where + ": " + queued.ToString());
        }
        if (progress) progress(i + 1, entries.size());
    }
    // Close fails whatever the flush could not deliver, so every record is counted either way.
    producer.Flush(timeout);
    producer.Close(std::chrono::milliseconds(0));
    result.replayed = delivered.load();
    if (!failures.empty()) {
        std::string message = "replayed " + std::to_string(result.replayed) + " records, but " +
                              std::to_string(failures.size()) + " failed";
        for (const auto& failure : failures) {
            message += "\n  " + failure;
        }
        throw CommandError(message);
    }
    return result;
}

}  // namespace cosmic::cosmicctl
