#include "offsets_plan.hpp"

#include <algorithm>
#include <charconv>

#include "args.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::cosmicctl {
namespace {

std::optional<long long> Integer(const std::string& text) {
    long long value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
    return value;
}

}  // namespace

ResetTarget ParseResetTarget(const std::string& text) {
    if (text == "earliest") return {ResetTarget::Kind::kEarliest, 0};
    if (text == "latest") return {ResetTarget::Kind::kLatest, 0};
    if (text.rfind("datetime=", 0) == 0) {
        const auto ms = schema::ParseTimestamp(text.substr(9));
        if (!ms) throw UsageError("--to datetime= needs an RFC 3339 time such as 2026-01-31T12:00:00Z");
        return {ResetTarget::Kind::kDatetime, *ms};
    }
    if (text.rfind("offset=", 0) == 0) {
        const auto offset = Integer(text.substr(7));
        if (!offset || *offset < 0) throw UsageError("--to offset= needs an offset >= 0");
        return {ResetTarget::Kind::kOffset, *offset};
    }
    throw UsageError("--to must be earliest, latest, datetime=<RFC 3339> or offset=<N>, not '" + text + "'");
}

TopicSelection ParseTopicSelection(const std::string& text) {
    TopicSelection selection;
    const auto colon = text.find(':');
    selection.topic = text.substr(0, colon);
    if (selection.topic.empty()) throw UsageError("--topic needs a topic name (T or T:0,1,...)");
    if (colon == std::string::npos) return selection;
    std::string rest = text.substr(colon + 1);
    std::size_t start = 0;
    while (start <= rest.size()) {
        const auto comma = rest.find(',', start);
        const auto part = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const auto number = Integer(part);
        if (!number || *number < 0 || *number > INT32_MAX) {
            throw UsageError("--topic " + text + ": partitions are numbers separated by commas");
        }
        selection.partitions.push_back(static_cast<std::int32_t>(*number));
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    std::sort(selection.partitions.begin(), selection.partitions.end());
    selection.partitions.erase(std::unique(selection.partitions.begin(), selection.partitions.end()),
                               selection.partitions.end());
    return selection;
}

std::vector<PlannedReset> PlanReset(const std::vector<PartitionState>& partitions, const ResetTarget& target,
                                    const std::map<TopicPartition, std::int64_t>& by_time) {
    std::vector<PlannedReset> plan;
    for (const auto& p : partitions) {
        PlannedReset step{p.tp, p.committed, 0, false};
        switch (target.kind) {
            case ResetTarget::Kind::kEarliest:
                step.target = p.low;
                break;
            case ResetTarget::Kind::kLatest:
                step.target = p.high;
                break;
            case ResetTarget::Kind::kDatetime: {
                const auto it = by_time.find(p.tp);
                step.target = it == by_time.end() ? p.high : it->second;
                break;
            }
            case ResetTarget::Kind::kOffset:
                // As kafka-consumer-groups.sh: an offset past either end moves to that end.
                step.target = std::clamp(target.value, p.low, p.high);
                step.clamped = step.target != target.value;
                break;
        }
        plan.push_back(step);
    }
    return plan;
}

}  // namespace cosmic::cosmicctl
