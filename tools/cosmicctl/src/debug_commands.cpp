// cosmicctl produce | tail: debugging helpers.

#include <istream>
#include <mutex>
#include <optional>
#include <ostream>

#include "commands.hpp"
#include "cosmic/kafka/producer.hpp"
#include "progress.hpp"
#include "table.hpp"
#include "topic_reader.hpp"

namespace cosmic::cosmicctl {
namespace {

std::string TopicArgument(const Args& args, const std::string& command) {
    const auto& words = args.Positional();
    if (words.size() != 2) {
        throw UsageError(command + " needs exactly one TOPIC");
    }
    return words[1];
}

std::optional<std::int32_t> PartitionOption(const Args& args, int partitions, const std::string& topic) {
    auto partition = args.Integer("--partition", 0, 1'000'000);
    if (!partition) {
        return std::nullopt;
    }
    if (*partition >= partitions) {
        throw CommandError(topic + " has no partition " + std::to_string(*partition) + " (it has " +
                           std::to_string(partitions) + ")");
    }
    return static_cast<std::int32_t>(*partition);
}

}  // namespace

int Produce(const Context& context, const Args& args) {
    const std::string topic = TopicArgument(args, "produce");
    kafka::Headers headers;
    for (const auto& header : args.Values("--header")) {
        const auto eq = header.find('=');
        if (eq == std::string::npos || eq == 0) {
            throw UsageError("--header needs NAME=VALUE, got '" + header + "'");
        }
        headers.push_back({header.substr(0, eq), header.substr(eq + 1)});
    }
    const auto key = args.Value("--key");
    TopicReader reader(context.config, context.timeout);
    const auto partition = PartitionOption(args, reader.PartitionCount(topic), topic);

    kafka::ProducerOptions options;
    options.client_id = "cosmicctl-produce";
    options.delivery_timeout = context.timeout;
    kafka::Producer producer(context.config, options, nullptr);
    std::mutex mutex;
    std::size_t delivered = 0;
    std::vector<std::string> failures;
    auto on_delivery = [&](const kafka::DeliveryReport& report) {
        std::lock_guard lock(mutex);
        if (report.error) {
            failures.push_back(report.error.ToString());
        } else {
            ++delivered;
        }
    };
    std::string line;
    while (std::getline(context.io.in, line)) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        kafka::OutgoingMessage message;
        message.topic = topic;
        message.partition = partition;
        if (key) {
            message.key = *key;
        }
        message.value = line;
        message.headers = headers;
        if (const kafka::KafkaError error = producer.Send(message, on_delivery)) {
            std::lock_guard lock(mutex);
            failures.push_back(error.ToString());
            break;
        }
    }
    producer.Flush(context.timeout);
    producer.Close(std::chrono::milliseconds(0));
    context.io.out << "produced " << delivered << " record(s) to " << topic << '\n';
    if (!failures.empty()) {
        throw CommandError(std::to_string(failures.size()) + " record(s) failed: " + failures.front());
    }
    return 0;
}

int Tail(const Context& context, const Args& args) {
    const std::string topic = TopicArgument(args, "tail");
    const auto limit = args.Integer("--limit", 1, std::numeric_limits<int>::max());
    const bool show_headers = args.Flag("--headers");
    TopicReader reader(context.config, context.timeout);
    const int partitions = reader.PartitionCount(topic);
    const auto only = PartitionOption(args, partitions, topic);
    const std::int64_t start = args.Flag("--from-beginning") ? RD_KAFKA_OFFSET_BEGINNING : RD_KAFKA_OFFSET_END;
    std::map<std::int32_t, std::int64_t> starts;
    for (std::int32_t p = 0; p < partitions; ++p) {
        if (!only || *only == p) {
            starts[p] = start;
        }
    }
    long long printed = 0;
    // A large bounded tail redirected to a file shows its progress on stderr; records on a
    // terminal would be mixed with the bar, so there is none then.
    std::optional<Progress> progress;
    if (limit && !context.io.out_terminal) {
        progress.emplace(context.io.err, "tail " + topic, *limit,
                         Progress::Options{.terminal = context.io.err_terminal});
    }
    reader.Follow(topic, starts, context.stop, [&](ReadRecord&& record) {
        context.io.out << record.partition << '/' << record.offset << "  key=" << (record.key ? *record.key : "(null)")
                       << "  " << record.value << '\n';
        if (show_headers) {
            for (const auto& header : record.headers) {
                context.io.out << "    " << header.name << '=' << Shorten(header.value, 200) << '\n';
            }
        }
        context.io.out.flush();
        ++printed;
        if (progress) progress->Update(printed);
        return !limit || printed < *limit;
    });
    if (progress) progress->Finish(printed);
    return 0;
}

}  // namespace cosmic::cosmicctl
