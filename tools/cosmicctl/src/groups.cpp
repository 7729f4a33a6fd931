#include "groups.hpp"

#include <unistd.h>

#include <algorithm>
#include <memory>

#include "args.hpp"

namespace cosmic::cosmicctl {
namespace {

struct ListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const { rd_kafka_topic_partition_list_destroy(list); }
};
using PartitionList = std::unique_ptr<rd_kafka_topic_partition_list_t, ListDeleter>;

/// Big-endian reader over the assignment bytes; every read checks the remaining length.
class Reader {
  public:
    explicit Reader(std::string_view bytes) : bytes_(bytes) {}
    bool Int16(std::int16_t& out) { return Read(2, out); }
    bool Int32(std::int32_t& out) { return Read(4, out); }
    bool String(std::string& out) {
        std::int16_t length = 0;
        if (!Int16(length) || length < 0 || static_cast<std::size_t>(length) > bytes_.size() - at_) return false;
        out.assign(bytes_.substr(at_, static_cast<std::size_t>(length)));
        at_ += static_cast<std::size_t>(length);
        return true;
    }

  private:
    template <typename T>
    bool Read(std::size_t size, T& out) {
        if (bytes_.size() - at_ < size) return false;
        std::uint32_t value = 0;
        for (std::size_t i = 0; i < size; ++i) {
            value = (value << 8) | static_cast<unsigned char>(bytes_[at_ + i]);
        }
        at_ += size;
        out = static_cast<T>(value);
        return true;
    }

    std::string_view bytes_;
    std::size_t at_ = 0;
};

rd_kafka_t* NewConsumer(const kafka::ClientConfig& config, const std::string& group) {
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    char error[512];
    auto properties = config.properties;
    properties["group.id"] = group;
    properties["enable.auto.commit"] = "false";
    properties["enable.auto.offset.store"] = "false";
    for (const auto& [name, value] : properties) {
        if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) != RD_KAFKA_CONF_OK) {
            rd_kafka_conf_destroy(conf);
            throw UsageError("kafka property '" + name + "': " + error);
        }
    }
    rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
    if (handle == nullptr) {
        rd_kafka_conf_destroy(conf);
        throw CommandError(std::string("cannot create a Kafka client: ") + error);
    }
    return handle;
}

}  // namespace

std::optional<std::vector<TopicPartition>> ParseConsumerAssignment(std::string_view bytes) {
    std::vector<TopicPartition> partitions;
    if (bytes.empty()) return partitions;  // a member between assignments
    Reader reader(bytes);
    std::int16_t version = 0;
    std::int32_t topics = 0;
    if (!reader.Int16(version) || version < 0 || !reader.Int32(topics) || topics < 0) return std::nullopt;
    for (std::int32_t t = 0; t < topics; ++t) {
        std::string topic;
        std::int32_t count = 0;
        if (!reader.String(topic) || !reader.Int32(count) || count < 0) return std::nullopt;
        for (std::int32_t p = 0; p < count; ++p) {
            std::int32_t partition = 0;
            if (!reader.Int32(partition)) return std::nullopt;
            partitions.push_back({topic, partition});
        }
    }
    std::sort(partitions.begin(), partitions.end());
    return partitions;
}

bool GroupError::Unsupported() const noexcept {
    return code_ == RD_KAFKA_RESP_ERR__UNSUPPORTED_FEATURE || code_ == RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION ||
           code_ == RD_KAFKA_RESP_ERR_INVALID_REQUEST;
}

bool ActiveGroupError(rd_kafka_resp_err_t code) noexcept {
    return code == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID || code == RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION ||
           code == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS || code == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID;
}

GroupClient::GroupClient(const kafka::ClientConfig& config, std::chrono::milliseconds timeout)
    : timeout_(timeout), handle_(NewConsumer(config, "cosmicctl-groups-" + std::to_string(::getpid()))) {}

GroupClient::~GroupClient() { rd_kafka_destroy(handle_); }

std::vector<GroupInfo> GroupClient::ListGroups(const char* group) {
    const rd_kafka_group_list* raw = nullptr;
    const rd_kafka_resp_err_t err = rd_kafka_list_groups(handle_, group, &raw, static_cast<int>(timeout_.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw GroupError(err, std::string("cannot list consumer groups: ") + rd_kafka_err2str(err));
    }
    std::unique_ptr<const rd_kafka_group_list, void (*)(const rd_kafka_group_list*)> list(
        raw, [](const rd_kafka_group_list* l) { rd_kafka_group_list_destroy(l); });
    std::vector<GroupInfo> groups;
    for (int i = 0; i < list->group_cnt; ++i) {
        const rd_kafka_group_info& in = list->groups[i];
        if (in.err != RD_KAFKA_RESP_ERR_NO_ERROR && in.err != RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) {
            throw GroupError(in.err, "cannot describe group '" + std::string(in.group ? in.group : "") +
                                         "': " + rd_kafka_err2str(in.err));
        }
        GroupInfo out;
        out.group = in.group ? in.group : "";
        out.state = in.state && *in.state ? in.state : "Dead";
        out.protocol_type = in.protocol_type ? in.protocol_type : "";
        out.protocol = in.protocol ? in.protocol : "";
        for (int m = 0; m < in.member_cnt; ++m) {
            const rd_kafka_group_member_info& member = in.members[m];
            GroupMember mine{member.member_id ? member.member_id : "",
                             member.client_id ? member.client_id : "",
                             member.client_host ? member.client_host : "",
                             {}};
            if (out.protocol_type == "consumer") {
                const auto parsed = ParseConsumerAssignment(
                    std::string_view(static_cast<const char*>(member.member_assignment),
                                     static_cast<std::size_t>(std::max(0, member.member_assignment_size))));
                if (parsed) mine.assignment = *parsed;
            }
            out.members.push_back(std::move(mine));
        }
        std::sort(out.members.begin(), out.members.end(),
                  [](const GroupMember& a, const GroupMember& b) { return a.member_id < b.member_id; });
        groups.push_back(std::move(out));
    }
    std::sort(groups.begin(), groups.end(), [](const GroupInfo& a, const GroupInfo& b) { return a.group < b.group; });
    return groups;
}

std::vector<GroupInfo> GroupClient::List() { return ListGroups(nullptr); }

GroupInfo GroupClient::Describe(const std::string& group) {
    auto groups = ListGroups(group.c_str());
    for (auto& info : groups) {
        if (info.group == group) return std::move(info);
    }
    return GroupInfo{group, "Dead", "", "", {}};
}

std::map<TopicPartition, std::int64_t> GroupClient::OffsetsForTime(const std::vector<TopicPartition>& partitions,
                                                                   std::int64_t timestamp_ms) {
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
    for (const auto& tp : partitions) {
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = timestamp_ms;
    }
    if (auto err = rd_kafka_offsets_for_times(handle_, list.get(), static_cast<int>(timeout_.count()));
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw GroupError(err, std::string("cannot look up offsets by time: ") + rd_kafka_err2str(err));
    }
    std::map<TopicPartition, std::int64_t> offsets;
    for (int i = 0; i < list->cnt; ++i) {
        const auto& element = list->elems[i];
        if (element.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw GroupError(element.err, std::string("offset by time of ") + element.topic + "/" +
                                              std::to_string(element.partition) + ": " + rd_kafka_err2str(element.err));
        }
        std::int64_t offset = element.offset;
        if (offset < 0) {
            // No record at or after the time: the end of the partition.
            std::int64_t low = 0;
            std::int64_t high = 0;
            if (auto err = rd_kafka_query_watermark_offsets(handle_, element.topic, element.partition, &low, &high,
                                                            static_cast<int>(timeout_.count()));
                err != RD_KAFKA_RESP_ERR_NO_ERROR) {
                throw GroupError(err, std::string("watermarks of ") + element.topic + ": " + rd_kafka_err2str(err));
            }
            offset = high;
        }
        offsets[{element.topic, element.partition}] = offset;
    }
    return offsets;
}

void CommitGroupOffsets(const kafka::ClientConfig& config, const std::string& group,
                        const std::map<TopicPartition, std::int64_t>& offsets) {
    std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> consumer(NewConsumer(config, group),
                                                                [](rd_kafka_t* rk) { rd_kafka_destroy(rk); });
    // Never subscribed: the commit goes out with generation -1 and no member id, which the
    // coordinator accepts only for a group without members.
    PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
    for (const auto& [tp, offset] : offsets) {
        rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition)->offset = offset;
    }
    const rd_kafka_resp_err_t err = rd_kafka_commit(consumer.get(), list.get(), 0);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw GroupError(err, "cannot commit offsets for group '" + group + "': " + rd_kafka_err2str(err));
    }
    for (int i = 0; i < list->cnt; ++i) {
        if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw GroupError(list->elems[i].err, "cannot commit " + std::string(list->elems[i].topic) + "/" +
                                                     std::to_string(list->elems[i].partition) + " for group '" + group +
                                                     "': " + rd_kafka_err2str(list->elems[i].err));
        }
    }
}

}  // namespace cosmic::cosmicctl
