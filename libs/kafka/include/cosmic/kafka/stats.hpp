#pragma once
/// Consumer lag from librdkafka's statistics JSON (`statistics.interval.ms`), parsed once per
/// interval, never per message.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cosmic::kafka {

struct ConsumerLag {
    std::string topic;
    std::int32_t partition = 0;
    /// Messages between the committed offset and the high watermark (librdkafka's consumer_lag).
    std::int64_t lag = 0;

    friend bool operator==(const ConsumerLag&, const ConsumerLag&) = default;
};

/// What Runner::Lag() returns: the partitions this consumer owns.
struct LagSnapshot {
    /// False until the first statistics arrived.
    bool known = false;
    std::int64_t total = 0;
    std::vector<ConsumerLag> partitions;
};

/// Partitions with a known lag (consumer_lag >= 0), skipping librdkafka's internal partition -1.
/// Returns nullopt when the text is not statistics JSON.
std::optional<std::vector<ConsumerLag>> ParseConsumerLag(std::string_view stats_json);

}  // namespace cosmic::kafka
