// Prints the topic table (and the dead-letter twins) one topic a line:
//   <name> <partitions> <retention.ms> <compression.type>
// for tests/e2e/cluster.sh's TopicCommand fallback, so the shell never repeats the table.

#include <iostream>

#include "cosmic/schema/topics.hpp"

int main() {
    for (const auto& spec : cosmic::schema::AllTopics()) {
        std::cout << spec.name << ' ' << spec.partitions << ' ' << spec.retention.count() << ' ' << spec.compression
                  << '\n';
        std::cout << cosmic::schema::DlqTopicName(spec.name) << ' ' << spec.partitions << ' '
                  << cosmic::schema::kDlqRetention.count() << ' ' << spec.compression << '\n';
    }
    return std::cout ? 0 : 1;
}
