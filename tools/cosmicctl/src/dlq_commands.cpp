// cosmicctl dlq list | replay

#include <optional>
#include <ostream>

#include "commands.hpp"
#include "cosmic/schema/event.hpp"
#include "dlq.hpp"
#include "progress.hpp"
#include "table.hpp"

namespace cosmic::cosmicctl {
namespace {

std::string DlqTopicArgument(const Args& args, const std::string& command) {
    const auto& words = args.Positional();
    if (words.size() != 3) {
        throw UsageError("dlq " + command + " needs exactly one TOPIC.dlq");
    }
    RequireDlqTopic(words[2]);
    return words[2];
}

DlqSelection SelectionFrom(const Args& args) {
    DlqSelection selection;
    selection.limit = static_cast<std::size_t>(args.Integer("--limit", 1, 1'000'000).value_or(100));
    if (auto partition = args.Integer("--partition", 0, 1'000'000)) {
        selection.partition = static_cast<std::int32_t>(*partition);
    }
    selection.from_offset = args.Integer("--offset", 0, std::numeric_limits<std::int64_t>::max());
    if (auto since = args.Value("--since")) {
        selection.since_ms = schema::ParseTimestamp(*since);
        if (!selection.since_ms) {
            throw UsageError("--since needs an RFC 3339 time such as 2026-01-31T12:00:00Z");
        }
    }
    if (selection.from_offset && selection.since_ms) {
        throw UsageError("use either --offset or --since, not both");
    }
    return selection;
}

std::string Origin(const DlqEntry& entry) {
    if (entry.original_topic.empty()) {
        return "?";
    }
    return entry.original_topic + "/" + (entry.original_partition ? std::to_string(*entry.original_partition) : "?") +
           "/" + (entry.original_offset ? std::to_string(*entry.original_offset) : "?");
}

}  // namespace

int DlqList(const Context& context, const Args& args) {
    const std::string topic = DlqTopicArgument(args, "list");
    const DlqSelection selection = SelectionFrom(args);
    TopicReader reader(context.config, context.timeout);
    const auto entries = ReadDlq(reader, topic, selection);
    TextTable table({"OFFSET", "KEY", "ORIGINAL", "ERROR", "ATTEMPTS", "FAILED_AT", "MESSAGE"});
    for (const auto& entry : entries) {
        table.Add({std::to_string(entry.record.partition) + "/" + std::to_string(entry.record.offset),
                   entry.record.key ? Shorten(*entry.record.key, 40) : "(null)", Origin(entry),
                   entry.error_class.empty() ? "?" : entry.error_class,
                   entry.attempts ? std::to_string(*entry.attempts) : "?",
                   entry.failed_at.empty() ? "?" : entry.failed_at, Shorten(entry.error_message, 100)});
    }
    table.Print(context.io.out);
    context.io.out << entries.size() << " record(s)" << (entries.size() == selection.limit ? " (limit reached)" : "")
                   << '\n';
    return 0;
}

int DlqReplay(const Context& context, const Args& args) {
    const std::string topic = DlqTopicArgument(args, "replay");
    const DlqSelection selection = SelectionFrom(args);
    TopicReader reader(context.config, context.timeout);
    std::optional<Progress> progress;
    const ReplayResult result =
        ReplayDlq(context.config, reader, topic, selection, context.timeout, [&](std::size_t done, std::size_t total) {
            if (!progress) {
                progress.emplace(context.io.err, "dlq replay " + topic, static_cast<std::int64_t>(total),
                                 Progress::Options{.terminal = context.io.err_terminal});
            }
            progress->Update(static_cast<std::int64_t>(done));
        });
    if (progress) progress->Finish(static_cast<std::int64_t>(result.replayed + result.skipped.size()));
    for (const auto& line : result.skipped) {
        context.io.err << "skipped " << line << '\n';
    }
    context.io.out << "replayed " << result.replayed << " record(s) from " << topic << '\n';
    if (!result.skipped.empty()) {
        context.io.err << "cosmicctl: " << result.skipped.size() << " record(s) not replayed\n";
        return 1;
    }
    return 0;
}

}  // namespace cosmic::cosmicctl
