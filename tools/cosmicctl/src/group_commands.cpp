// cosmicctl groups list | groups describe G | offsets reset

#include <algorithm>
#include <ostream>
#include <set>

#include "commands.hpp"
#include "cosmic/kafka/group_lag.hpp"
#include "groups.hpp"
#include "offsets_plan.hpp"
#include "table.hpp"
#include "topic_reader.hpp"

namespace cosmic::cosmicctl {
namespace {

std::string Offset(std::int64_t offset) { return offset < 0 ? "-" : std::to_string(offset); }

/// The group's committed offsets and watermarks on `topics` (all non-internal topics when empty,
/// keeping only the topics it has committed on).
kafka::GroupLag ReadLag(const Context& context, const std::string& group, std::vector<std::string> topics,
                        bool only_committed) {
    TopicReader reader(context.config, context.timeout);
    const auto existing = reader.Topics();
    for (const auto& topic : topics) {
        if (existing.count(topic) == 0) throw CommandError("unknown topic '" + topic + "'");
    }
    if (topics.empty()) {
        for (const auto& [name, count] : existing) {
            if (name.rfind("__", 0) != 0) topics.push_back(name);
        }
    }
    kafka::GroupLagOptions options;
    options.timeout = context.timeout;
    kafka::GroupLagReader lag_reader(context.config, options);
    kafka::GroupLag lag = lag_reader.Read(group, topics);
    if (only_committed) {
        std::set<std::string> committed;
        for (const auto& p : lag.partitions) {
            if (p.committed >= 0) committed.insert(p.topic);
        }
        std::erase_if(lag.partitions, [&](const kafka::PartitionLag& p) { return committed.count(p.topic) == 0; });
    }
    return lag;
}

std::string Assignment(const std::vector<TopicPartition>& assignment) {
    std::string text;
    std::string topic;
    for (const auto& tp : assignment) {
        if (tp.topic != topic) {
            text += (text.empty() ? "" : " ") + tp.topic + ":" + std::to_string(tp.partition);
            topic = tp.topic;
        } else {
            text += "," + std::to_string(tp.partition);
        }
    }
    return text.empty() ? "-" : text;
}

bool Inactive(const GroupInfo& info) { return info.members.empty() && (info.state == "Empty" || info.state == "Dead"); }

}  // namespace

int GroupsList(const Context& context, const Args& args) {
    if (args.Positional().size() > 2) throw UsageError("groups list takes no arguments");
    GroupClient client(context.config, context.timeout);
    const auto groups = client.List();
    TextTable table({"GROUP", "STATE", "PROTOCOL", "MEMBERS"});
    for (const auto& group : groups) {
        table.Add({group.group, group.state, group.protocol_type + (group.protocol.empty() ? "" : "/" + group.protocol),
                   std::to_string(group.members.size())});
    }
    table.Print(context.io.out);
    context.io.out << groups.size() << " group(s)\n";
    return 0;
}

int GroupsDescribe(const Context& context, const Args& args) {
    const auto& words = args.Positional();
    if (words.size() != 3) throw UsageError("groups describe needs one GROUP");
    const std::string& group = words[2];
    GroupClient client(context.config, context.timeout);
    const GroupInfo info = client.Describe(group);

    std::set<std::string> topics;
    std::map<TopicPartition, std::string> owner;
    for (const auto& member : info.members) {
        for (const auto& tp : member.assignment) {
            topics.insert(tp.topic);
            owner[tp] = member.member_id;
        }
    }
    kafka::GroupLag lag = ReadLag(context, group, {}, true);
    if (info.state == "Dead" && lag.partitions.empty()) {
        throw CommandError("group '" + group + "' does not exist (no members, no committed offsets)");
    }
    // Assigned topics the group has not committed on yet are shown too.
    if (!topics.empty()) {
        std::set<std::string> shown;
        for (const auto& p : lag.partitions) shown.insert(p.topic);
        std::vector<std::string> missing;
        std::set_difference(topics.begin(), topics.end(), shown.begin(), shown.end(), std::back_inserter(missing));
        if (!missing.empty()) {
            auto more = ReadLag(context, group, missing, false);
            lag.partitions.insert(lag.partitions.end(), more.partitions.begin(), more.partitions.end());
        }
    }
    std::sort(lag.partitions.begin(), lag.partitions.end(), [](const auto& a, const auto& b) {
        return std::tie(a.topic, a.partition) < std::tie(b.topic, b.partition);
    });

    auto& out = context.io.out;
    out << "group     " << info.group << "\n"
        << "state     " << info.state << "\n"
        << "protocol  " << (info.protocol_type.empty() ? "-" : info.protocol_type)
        << (info.protocol.empty() ? "" : "/" + info.protocol) << "\n"
        << "members   " << info.members.size() << "\n\n";
    if (!info.members.empty()) {
        TextTable members({"MEMBER", "CLIENT-ID", "HOST", "PARTITIONS", "ASSIGNMENT"});
        for (const auto& member : info.members) {
            members.Add({member.member_id, member.client_id, member.client_host,
                         std::to_string(member.assignment.size()), Assignment(member.assignment)});
        }
        members.Print(out);
        out << "\n";
    }
    TextTable partitions({"TOPIC", "PARTITION", "COMMITTED", "HIGH", "LAG", "MEMBER"});
    for (const auto& p : lag.partitions) {
        const auto it = owner.find({p.topic, p.partition});
        partitions.Add({p.topic, std::to_string(p.partition), Offset(p.committed), std::to_string(p.high),
                        std::to_string(p.lag), it == owner.end() ? "-" : it->second});
    }
    partitions.Add({"TOTAL", "", "", "", std::to_string(lag.TotalLag()), ""});
    partitions.Print(out);
    return 0;
}

int OffsetsReset(const Context& context, const Args& args) {
    if (args.Positional().size() > 2) throw UsageError("offsets reset takes its topics as --topic T[:P,...]");
    const auto group = args.Value("--group");
    if (!group || group->empty()) throw UsageError("offsets reset needs --group GROUP");
    const auto to = args.Value("--to");
    if (!to) throw UsageError("offsets reset needs --to earliest|latest|datetime=<RFC 3339>|offset=<N>");
    const ResetTarget target = ParseResetTarget(*to);
    std::vector<TopicSelection> selections;
    for (const auto& text : args.Values("--topic")) selections.push_back(ParseTopicSelection(text));
    const bool execute = args.Flag("--execute");

    // Refuse while the group has members, as kafka-consumer-groups.sh does: a running consumer
    // would overwrite the new offsets with its own on its next commit.
    GroupClient client(context.config, context.timeout);
    try {
        const GroupInfo info = client.Describe(*group);
        if (!Inactive(info)) {
            throw CommandError("refused: group '" + *group + "' is " + info.state + " with " +
                               std::to_string(info.members.size()) +
                               " active member(s); offsets can only be reset while the group is inactive "
                               "(stop or scale its consumers to 0 first)");
        }
    } catch (const GroupError& error) {
        if (!error.Unsupported()) throw;
        context.io.err << "cosmicctl: cannot list the members of '" << *group
                       << "' (the cluster does not support DescribeGroups); the broker still refuses the commit "
                          "while the group is active\n";
    }

    std::vector<std::string> topics;
    topics.reserve(selections.size());
    for (const auto& selection : selections) topics.push_back(selection.topic);
    kafka::GroupLag lag = ReadLag(context, *group, topics, selections.empty());
    if (lag.partitions.empty()) {
        throw CommandError("group '" + *group +
                           "' has no committed offsets on any topic; name the topics with --topic");
    }
    std::vector<PartitionState> states;
    for (const auto& selection : selections) {
        for (const auto partition : selection.partitions) {
            const bool exists = std::any_of(lag.partitions.begin(), lag.partitions.end(), [&](const auto& p) {
                return p.topic == selection.topic && p.partition == partition;
            });
            if (!exists) {
                throw CommandError("topic '" + selection.topic + "' has no partition " + std::to_string(partition));
            }
        }
    }
    for (const auto& p : lag.partitions) {
        const bool selected =
            selections.empty() || std::any_of(selections.begin(), selections.end(), [&](const TopicSelection& s) {
                return s.topic == p.topic &&
                       (s.partitions.empty() ||
                        std::binary_search(s.partitions.begin(), s.partitions.end(), p.partition));
            });
        if (selected) states.push_back({{p.topic, p.partition}, p.committed, p.low, p.high});
    }
    std::map<TopicPartition, std::int64_t> by_time;
    if (target.kind == ResetTarget::Kind::kDatetime) {
        std::vector<TopicPartition> partitions;
        partitions.reserve(states.size());
        for (const auto& state : states) partitions.push_back(state.tp);
        by_time = client.OffsetsForTime(partitions, target.value);
    }
    const auto plan = PlanReset(states, target, by_time);

    TextTable table({"TOPIC", "PARTITION", "CURRENT", "NEW", "LOW", "HIGH"});
    std::map<TopicPartition, std::int64_t> offsets;
    for (std::size_t i = 0; i < plan.size(); ++i) {
        table.Add({plan[i].tp.topic, std::to_string(plan[i].tp.partition), Offset(plan[i].current),
                   std::to_string(plan[i].target) + (plan[i].clamped ? " (clamped)" : ""),
                   std::to_string(states[i].low), std::to_string(states[i].high)});
        offsets[plan[i].tp] = plan[i].target;
    }
    table.Print(context.io.out);
    if (!execute) {
        context.io.out << "dry run: nothing committed for group '" << *group << "' (add --execute to commit "
                       << offsets.size() << " offset(s))\n";
        return 0;
    }
    try {
        CommitGroupOffsets(context.config, *group, offsets);
    } catch (const GroupError& error) {
        if (ActiveGroupError(error.Code())) {
            throw CommandError("refused by the broker: group '" + *group + "' has active members (" + error.what() +
                               "); stop its consumers first");
        }
        throw;
    }
    context.io.out << "committed " << offsets.size() << " offset(s) for group '" << *group << "'\n";
    return 0;
}

}  // namespace cosmic::cosmicctl
