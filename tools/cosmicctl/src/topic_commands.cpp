// cosmicctl topics apply | describe

#include <ostream>

#include "commands.hpp"
#include "cosmic/kafka/admin.hpp"
#include "table.hpp"

namespace cosmic::cosmicctl {
namespace {

std::string Join(const std::vector<std::int32_t>& ids) {
    std::string text;
    for (auto id : ids) {
        text += (text.empty() ? "" : ",") + std::to_string(id);
    }
    return text;
}

std::string Config(const kafka::ObservedTopic& topic, const std::string& name) {
    if (!topic.configs_known) {
        return "?";
    }
    auto it = topic.configs.find(name);
    return it == topic.configs.end() ? "-" : it->second;
}

int Brokers(kafka::Admin& admin, const Context& context) {
    try {
        return admin.BrokerCount();
    } catch (const kafka::AdminError& error) {
        throw CommandError("cannot reach Kafka at " + context.config.properties.at("bootstrap.servers") + " within " +
                           std::to_string(context.timeout.count()) + " ms: " + error.what());
    }
}

}  // namespace

int TopicsApply(const Context& context, const Args& args) {
    if (args.Positional().size() > 2) {
        throw UsageError("topics apply takes no topic names; it applies the whole table");
    }
    kafka::Admin admin(context.config, context.timeout);
    const int brokers = Brokers(admin, context);
    kafka::TopicTableOptions options;
    if (auto replication = args.Integer("--replication", 1, 32)) {
        options.replication_factor = static_cast<int>(*replication);
    }
    if (auto min_insync = args.Integer("--min-insync", 1, 32)) {
        options.min_insync_replicas = static_cast<int>(*min_insync);
    }
    options.include_dlq = !args.Flag("--no-dlq");
    std::vector<kafka::DesiredTopic> table;
    try {
        table = kafka::TopicTable(options, brokers);
    } catch (const std::invalid_argument& error) {
        throw CommandError(error.what());
    }
    const bool dry_run = args.Flag("--dry-run");
    const auto actions = admin.ApplyTopics(table, dry_run);
    std::size_t changes = 0;
    for (const auto& action : actions) {
        if (action.Changes()) {
            ++changes;
            context.io.out << (dry_run ? "plan     " : "done     ") << action.Describe() << '\n';
        } else {
            context.io.out << "finding  " << action.Describe() << '\n';
        }
    }
    if (changes == 0) {
        context.io.out << "topics match the table (" << table.size() << " topics)\n";
    } else {
        context.io.out << changes
                       << (dry_run ? " change(s) planned; run without --dry-run to apply\n" : " change(s) applied\n");
    }
    return 0;
}

int TopicsDescribe(const Context& context, const Args& args) {
    const auto& words = args.Positional();
    if (words.size() > 3) {
        throw UsageError("topics describe takes at most one topic");
    }
    kafka::Admin admin(context.config, context.timeout);
    Brokers(admin, context);
    std::vector<std::string> names;
    if (words.size() == 3) {
        names.push_back(words[2]);
    }
    std::vector<kafka::ObservedTopic> topics;
    try {
        topics = admin.DescribeTopics(names);
    } catch (const kafka::AdminError& error) {
        if (error.Code() == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART && !names.empty()) {
            throw CommandError("unknown topic '" + names.front() + "'");
        }
        throw;
    }
    TextTable summary({"TOPIC", "PARTITIONS", "REPLICATION", "RETENTION.MS", "COMPRESSION", "CLEANUP", "MIN.ISR"});
    for (const auto& topic : topics) {
        summary.Add({topic.name, std::to_string(topic.partitions.size()), std::to_string(topic.ReplicationFactor()),
                     Config(topic, "retention.ms"), Config(topic, "compression.type"), Config(topic, "cleanup.policy"),
                     Config(topic, "min.insync.replicas")});
    }
    summary.Print(context.io.out);
    if (!topics.empty() && !topics.front().configs_known) {
        context.io.out << "configs unknown: " << topics.front().configs_error << '\n';
    }
    if (!names.empty() && !topics.empty()) {
        context.io.out << '\n';
        TextTable partitions({"PARTITION", "LEADER", "REPLICAS", "ISR"});
        for (const auto& partition : topics.front().partitions) {
            partitions.Add({std::to_string(partition.id), std::to_string(partition.leader), Join(partition.replicas),
                            Join(partition.isr)});
        }
        partitions.Print(context.io.out);
    }
    return 0;
}

}  // namespace cosmic::cosmicctl
