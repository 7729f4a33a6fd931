#include "cosmic/kafka/group_lag.hpp"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

#include "admin_handle.hpp"

namespace cosmic::kafka {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::milliseconds Remaining(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return std::max(left, std::chrono::milliseconds(1));
}

[[noreturn]] void Fail(rd_kafka_resp_err_t code, const std::string& what) {
    throw GroupLagError(code, what + ": " + rd_kafka_err2str(code));
}

bool IsUnsupported(rd_kafka_resp_err_t code) {
    return code == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || code == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION ||
           code == RD_KAFKA_RESP_ERR__NOT_IMPLEMENTED;
}

std::int64_t NormaliseCommitted(std::int64_t offset) {
    // librdkafka reports "no commit" as RD_KAFKA_OFFSET_INVALID (-1001).
    return offset < 0 ? -1 : offset;
}

}  // namespace

std::int64_t GroupLag::TotalLag() const noexcept {
    std::int64_t total = 0;
    for (const auto& partition : partitions) {
        total += partition.lag;
    }
    return total;
}

std::int64_t ComputeLag(std::int64_t committed, std::int64_t low, std::int64_t high) noexcept {
    if (committed < 0) {
        return std::max<std::int64_t>(high - low, 0);
    }
    // A commit beyond the high watermark (e.g. after the topic was recreated) is not negative lag.
    return std::max<std::int64_t>(high - committed, 0);
}

GroupLagReader::GroupLagReader(const ClientConfig& config, GroupLagOptions options)
    : config_(config), timeout_(options.timeout), admin_unsupported_(!options.use_admin_api) {
    // A consumer-type client without a group: it never joins anything.
    detail::Handle handle = detail::NewClient(RD_KAFKA_CONSUMER, config_, {{"group.id", ""}});
    queue_ = rd_kafka_queue_new(handle.get());
    client_ = handle.release();
}

GroupLagReader::~GroupLagReader() {
    rd_kafka_queue_destroy(queue_);
    rd_kafka_destroy(client_);
}

int GroupLagReader::PartitionCount(std::string_view topic) {
    std::lock_guard lock(mutex_);
    return PartitionCounts({std::string(topic)}, Clock::now() + timeout_).front();
}

GroupLag GroupLagReader::Read(std::string_view group, const std::vector<std::string>& topics) {
    std::lock_guard lock(mutex_);
    const auto deadline = Clock::now() + timeout_;
    GroupLag result;
    result.group = group;

    const std::vector<int> counts = PartitionCounts(topics, deadline);
    detail::PartitionList partitions(rd_kafka_topic_partition_list_new(8));
    for (std::size_t t = 0; t < topics.size(); ++t) {
        const std::string& topic = topics[t];
        for (int p = 0; p < counts[t]; ++p) {
            rd_kafka_topic_partition_list_add(partitions.get(), topic.c_str(), p);
        }
    }
    if (partitions->cnt == 0) {
        return result;
    }

    std::vector<std::int64_t> committed;
    bool unsupported = admin_unsupported_;
    if (!unsupported) {
        committed = CommittedViaAdmin(group, partitions.get(), unsupported);
        admin_unsupported_ = unsupported;
    }
    if (unsupported) {
        committed = CommittedViaConsumer(group, partitions.get());
    }

    result.partitions.reserve(static_cast<std::size_t>(partitions->cnt));
    for (int i = 0; i < partitions->cnt; ++i) {
        const auto& entry = partitions->elems[i];
        PartitionLag lag;
        lag.topic = entry.topic;
        lag.partition = entry.partition;
        lag.committed = committed[static_cast<std::size_t>(i)];
        if (auto err = rd_kafka_query_watermark_offsets(client_, entry.topic, entry.partition, &lag.low, &lag.high,
                                                        static_cast<int>(Remaining(deadline).count()));
            err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            Fail(err, "watermarks of " + lag.topic + "/" + std::to_string(lag.partition));
        }
        lag.lag = ComputeLag(lag.committed, lag.low, lag.high);
        result.partitions.push_back(std::move(lag));
    }
    return result;
}

std::vector<int> GroupLagReader::PartitionCounts(const std::vector<std::string>& topics,
                                                 std::chrono::steady_clock::time_point deadline) {
    std::map<std::string, int, std::less<>> known;
    if (auto err = detail::AllPartitionCounts(client_, Remaining(deadline), known); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Fail(err, "cluster metadata");
    }
    std::vector<int> counts;
    counts.reserve(topics.size());
    for (const auto& topic : topics) {
        auto it = known.find(topic);
        if (it == known.end()) {
            Fail(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, "topic " + topic);
        }
        counts.push_back(it->second);
    }
    return counts;
}

std::vector<std::int64_t> GroupLagReader::CommittedViaAdmin(std::string_view group,
                                                            rd_kafka_topic_partition_list_t* partitions,
                                                            bool& unsupported) {
    const std::string name(group);
    // Partitions are named explicitly: the mock cluster (and old brokers) cannot answer
    // "all partitions of the group".
    rd_kafka_ListConsumerGroupOffsets_t* request = rd_kafka_ListConsumerGroupOffsets_new(name.c_str(), partitions);
    auto options = detail::NewAdminOptions(client_, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout_);
    rd_kafka_ListConsumerGroupOffsets(client_, &request, 1, options.get(), queue_);
    rd_kafka_ListConsumerGroupOffsets_destroy(request);

    detail::Event event = detail::WaitEvent(queue_, timeout_ + std::chrono::seconds(1));
    if (!event) {
        Fail(RD_KAFKA_RESP_ERR__TIMED_OUT, "committed offsets of group " + name);
    }
    if (auto err = rd_kafka_event_error(event.get()); err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (IsUnsupported(err)) {
            unsupported = true;
            return {};
        }
        throw GroupLagError(err,
                            "committed offsets of group " + name + ": " + rd_kafka_event_error_string(event.get()));
    }
    size_t count = 0;
    const rd_kafka_group_result_t** groups = rd_kafka_ListConsumerGroupOffsets_result_groups(
        rd_kafka_event_ListConsumerGroupOffsets_result(event.get()), &count);
    if (count != 1) {
        Fail(RD_KAFKA_RESP_ERR__BAD_MSG, "committed offsets of group " + name + ": unexpected result");
    }
    if (const rd_kafka_error_t* error = rd_kafka_group_result_error(groups[0]); error != nullptr) {
        const auto code = rd_kafka_error_code(error);
        if (IsUnsupported(code)) {
            unsupported = true;
            return {};
        }
        throw GroupLagError(code, "committed offsets of group " + name + ": " + rd_kafka_error_string(error));
    }
    const rd_kafka_topic_partition_list_t* answered = rd_kafka_group_result_partitions(groups[0]);
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(partitions->cnt), -1);
    for (int i = 0; i < partitions->cnt; ++i) {
        const auto& wanted = partitions->elems[i];
        const rd_kafka_topic_partition_t* found =
            rd_kafka_topic_partition_list_find(answered, wanted.topic, wanted.partition);
        if (found == nullptr) {
            continue;
        }
        if (found->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            Fail(found->err,
                 "committed offset of " + name + " on " + wanted.topic + "/" + std::to_string(wanted.partition));
        }
        offsets[static_cast<std::size_t>(i)] = NormaliseCommitted(found->offset);
    }
    return offsets;
}

std::vector<std::int64_t> GroupLagReader::CommittedViaConsumer(std::string_view group,
                                                               rd_kafka_topic_partition_list_t* partitions) {
    // A consumer carrying the group's id that never subscribes can read the group's commits
    // without joining, so the group is not rebalanced by the observer.
    detail::Handle consumer = detail::NewClient(RD_KAFKA_CONSUMER, config_,
                                                {{"group.id", std::string(group)}, {"enable.auto.commit", "false"}});
    detail::PartitionList copy(rd_kafka_topic_partition_list_copy(partitions));
    if (auto err = rd_kafka_committed(consumer.get(), copy.get(), static_cast<int>(timeout_.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        Fail(err, "committed offsets of group " + std::string(group));
    }
    std::vector<std::int64_t> offsets(static_cast<std::size_t>(copy->cnt), -1);
    for (int i = 0; i < copy->cnt; ++i) {
        offsets[static_cast<std::size_t>(i)] = NormaliseCommitted(copy->elems[i].offset);
    }
    rd_kafka_consumer_close(consumer.get());
    return offsets;
}

}  // namespace cosmic::kafka
