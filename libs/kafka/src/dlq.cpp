#include "cosmic/kafka/dlq.hpp"

#include <string>

#include "cosmic/schema/event.hpp"

namespace cosmic::kafka {

std::string_view TruncateUtf8(std::string_view text, std::size_t max_bytes) noexcept {
    if (text.size() <= max_bytes) {
        return text;
    }
    std::size_t end = max_bytes;
    // Step back over continuation bytes (10xxxxxx) to the lead byte of the cut sequence...
    std::size_t lead = end;
    while (lead > 0 && (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) {
        --lead;
    }
    // ...and drop that sequence unless it fits completely before the cut.
    const auto byte = static_cast<unsigned char>(text[lead]);
    std::size_t length = 1;
    if ((byte & 0xE0) == 0xC0) {
        length = 2;
    } else if ((byte & 0xF0) == 0xE0) {
        length = 3;
    } else if ((byte & 0xF8) == 0xF0) {
        length = 4;
    }
    if (lead + length > end) {
        end = lead;
    }
    return text.substr(0, end);
}

Headers DeadLetterHeaders(const HeaderView& original, const DeadLetterInfo& info) {
    Headers headers;
    const std::size_t count = original.Size();
    headers.reserve(count + 9);
    for (std::size_t i = 0; i < count; ++i) {
        auto [name, value] = original.At(i);
        if (name.starts_with(header::kDlqPrefix)) {
            continue;
        }
        headers.push_back(Header{std::string(name), std::string(value)});
    }
    auto add = [&headers](std::string_view name, std::string value) {
        headers.push_back(Header{std::string(name), std::move(value)});
    };
    add(header::kDlqOriginalTopic, std::string(info.topic));
    add(header::kDlqOriginalPartition, std::to_string(info.partition));
    add(header::kDlqOriginalOffset, std::to_string(info.offset));
    add(header::kDlqOriginalTimestamp, std::to_string(info.timestamp_ms));
    add(header::kDlqConsumerGroup, std::string(info.consumer_group));
    add(header::kDlqErrorClass, std::string(info.error_class));
    add(header::kDlqErrorMessage, std::string(TruncateUtf8(info.error_message, kMaxDlqErrorMessageBytes)));
    add(header::kDlqAttempts, std::to_string(info.attempts));
    add(header::kDlqFailedAt, schema::FormatTimestamp(info.failed_at_ms));
    return headers;
}

}  // namespace cosmic::kafka
