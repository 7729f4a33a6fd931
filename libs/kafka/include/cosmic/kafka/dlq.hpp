#pragma once
/// The dead-letter record (DESIGN.md §6): the original key and value byte for byte, the original
/// headers, and `dlq.*` headers saying where it came from and why it failed.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cosmic/kafka/headers.hpp"

namespace cosmic::kafka {

namespace header {
inline constexpr std::string_view kDlqPrefix = "dlq.";
inline constexpr std::string_view kDlqOriginalTopic = "dlq.original.topic";
inline constexpr std::string_view kDlqOriginalPartition = "dlq.original.partition";
inline constexpr std::string_view kDlqOriginalOffset = "dlq.original.offset";
/// Kafka timestamp of the original record, epoch milliseconds as decimal text.
inline constexpr std::string_view kDlqOriginalTimestamp = "dlq.original.timestamp";
inline constexpr std::string_view kDlqConsumerGroup = "dlq.consumer.group";
inline constexpr std::string_view kDlqErrorClass = "dlq.error.class";
inline constexpr std::string_view kDlqErrorMessage = "dlq.error.message";
inline constexpr std::string_view kDlqAttempts = "dlq.attempts";
/// RFC 3339 UTC with milliseconds.
inline constexpr std::string_view kDlqFailedAt = "dlq.failed_at";
}  // namespace header

/// dlq.error.class values the runner writes.
namespace dlq_error {
inline constexpr std::string_view kInvalidEvent = "invalid_event";        ///< parser violation
inline constexpr std::string_view kDeadLetter = "dead_letter";            ///< handler returned kDeadLetter
inline constexpr std::string_view kPermanentError = "permanent_error";    ///< handler threw PermanentError
inline constexpr std::string_view kRetriesExhausted = "retries_exhausted";///< max attempts reached
}  // namespace dlq_error

inline constexpr std::size_t kMaxDlqErrorMessageBytes = 1024;

/// Why and where a record failed.
struct DeadLetterInfo {
    std::string_view topic;
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    std::int64_t timestamp_ms = -1;
    std::string_view consumer_group;
    std::string_view error_class;
    std::string_view error_message;
    int attempts = 0;
    std::int64_t failed_at_ms = 0;
};

/// The longest prefix of `text` that is at most `max_bytes` long and does not end inside a
/// UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, std::size_t max_bytes) noexcept;

/// The original headers (except earlier `dlq.*` ones, replaced when a replayed record fails
/// again) followed by the dlq.* headers of `info`; the error message is cut to 1 KiB.
Headers DeadLetterHeaders(const HeaderView& original, const DeadLetterInfo& info);

}  // namespace cosmic::kafka
