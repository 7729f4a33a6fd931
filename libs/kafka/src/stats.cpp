#include "cosmic/kafka/stats.hpp"

#include <simdjson.h>

namespace cosmic::kafka {

std::optional<std::vector<ConsumerLag>> ParseConsumerLag(std::string_view stats_json) {
    // Statistics arrive every few seconds on one thread; a per-thread parser keeps its buffers.
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element document;
    if (parser.parse(stats_json.data(), stats_json.size(), true).get(document) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    simdjson::dom::object root;
    if (document.get_object().get(root) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    std::vector<ConsumerLag> result;
    simdjson::dom::object topics;
    if (root["topics"].get_object().get(topics) != simdjson::SUCCESS) {
        return result;  // no topics yet (e.g. before the first assignment)
    }
    for (auto [topic_name, topic] : topics) {
        simdjson::dom::object partitions;
        if (topic["partitions"].get_object().get(partitions) != simdjson::SUCCESS) {
            continue;
        }
        for (auto [partition_key, partition] : partitions) {
            std::int64_t id = -1;
            std::int64_t lag = -1;
            if (partition["partition"].get_int64().get(id) != simdjson::SUCCESS || id < 0) {
                continue;  // -1 is librdkafka's internal "unassigned" partition
            }
            if (partition["consumer_lag"].get_int64().get(lag) != simdjson::SUCCESS || lag < 0) {
                continue;  // -1: not known yet (no committed offset or watermark)
            }
            result.push_back(ConsumerLag{std::string(topic_name), static_cast<std::int32_t>(id), lag});
        }
    }
    return result;
}

}  // namespace cosmic::kafka
