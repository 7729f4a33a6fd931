// cosmicctl lag

#include <ostream>

#include "commands.hpp"
#include "cosmic/kafka/group_lag.hpp"
#include "table.hpp"
#include "topic_reader.hpp"

namespace cosmic::cosmicctl {

int Lag(const Context& context, const Args& args) {
    const auto group = args.Value("--group");
    if (!group || group->empty()) {
        throw UsageError("lag needs --group GROUP");
    }
    if (args.Positional().size() > 1) {
        throw UsageError("lag takes topics as --topic T");
    }
    // The reader checks reachability with a clear message and knows which topics exist.
    TopicReader reader(context.config, context.timeout);
    const auto existing = reader.Topics();
    std::vector<std::string> topics = args.Values("--topic");
    const bool all_topics = topics.empty();
    for (const auto& topic : topics) {
        if (existing.count(topic) == 0) {
            throw CommandError("unknown topic '" + topic + "'");
        }
    }
    if (all_topics) {
        for (const auto& [name, partitions] : existing) {
            if (name.rfind("__", 0) != 0) {
                topics.push_back(name);
            }
        }
    }
    kafka::GroupLagOptions options;
    options.timeout = context.timeout;
    kafka::GroupLagReader lag_reader(context.config, options);
    kafka::GroupLag lag = lag_reader.Read(*group, topics);
    if (all_topics) {
        // Without --topic, show the topics the group has committed on.
        std::set<std::string> committed;
        for (const auto& partition : lag.partitions) {
            if (partition.committed >= 0) {
                committed.insert(partition.topic);
            }
        }
        std::erase_if(lag.partitions, [&](const kafka::PartitionLag& p) { return committed.count(p.topic) == 0; });
        if (lag.partitions.empty()) {
            throw CommandError("group '" + *group + "' has no committed offsets on any topic");
        }
    }
    TextTable table({"TOPIC", "PARTITION", "COMMITTED", "HIGH", "LAG"});
    for (const auto& partition : lag.partitions) {
        table.Add({partition.topic, std::to_string(partition.partition),
                   partition.committed < 0 ? "-" : std::to_string(partition.committed), std::to_string(partition.high),
                   std::to_string(partition.lag)});
    }
    table.Add({"TOTAL", "", "", "", std::to_string(lag.TotalLag())});
    table.Print(context.io.out);
    return 0;
}

}  // namespace cosmic::cosmicctl
