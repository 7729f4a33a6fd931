#include "cli.hpp"

#include <functional>
#include <ostream>

#include "audit_command.hpp"
#include "commands.hpp"
#include "environment.hpp"

namespace cosmic::cosmicctl {
namespace {

const std::set<std::string> kValued = {"--bootstrap", "--timeout",   "--replication", "--min-insync", "--group",
                                       "--topic",     "--limit",     "--offset",      "--since",      "--key",
                                       "--header",    "--partition", "--to"};
const std::set<std::string> kFlags = {"--dry-run", "--from-beginning", "--help", "--headers", "--no-dlq", "--execute"};
const std::set<std::string> kGlobal = {"--bootstrap", "--timeout", "--help"};

struct Command {
    std::string first;
    std::string second;  ///< empty for one-word commands
    std::set<std::string> options;
    std::function<int(const Context&, const Args&)> run;
};

const std::vector<Command>& Commands() {
    static const std::vector<Command> commands = {
        {"topics", "apply", {"--replication", "--min-insync", "--dry-run", "--no-dlq"}, &TopicsApply},
        {"topics", "describe", {}, &TopicsDescribe},
        {"lag", "", {"--group", "--topic"}, &Lag},
        {"dlq", "list", {"--limit", "--partition", "--offset", "--since"}, &DlqList},
        {"dlq", "replay", {"--limit", "--partition", "--offset", "--since"}, &DlqReplay},
        {"produce", "", {"--key", "--header", "--partition"}, &Produce},
        {"tail", "", {"--from-beginning", "--limit", "--partition", "--headers"}, &Tail},
        {"groups", "list", {}, &GroupsList},
        {"groups", "describe", {}, &GroupsDescribe},
        {"offsets", "reset", {"--group", "--to", "--topic", "--execute"}, &OffsetsReset},
    };
    return commands;
}

}  // namespace

std::string Usage() {
    return "usage: cosmicctl [--bootstrap HOST:PORT] [--timeout SECONDS] COMMAND ...\n"
           "\n"
           "  topics apply [--replication N] [--min-insync N] [--no-dlq] [--dry-run]\n"
           "      create missing table topics (and .dlq twins), add missing partitions, report drift\n"
           "  topics describe [TOPIC]\n"
           "      partitions, leaders, replicas, ISR and table configs\n"
           "  lag --group G [--topic T]...\n"
           "      committed offset, high watermark and lag per partition, and the total\n"
           "  dlq list TOPIC.dlq [--limit N] [--partition P] [--offset O | --since RFC3339]\n"
           "      dead letters with their origin, error class, message, attempts and time\n"
           "  dlq replay TOPIC.dlq [--limit N] [--partition P] [--offset O | --since RFC3339]\n"
           "      re-publish dead letters to their original topic (key, value, original headers,\n"
           "      plus dlq.replayed_from and dlq.replay_count); progress on stderr\n"
           "  produce TOPIC [--key K] [--header NAME=VALUE]... [--partition P]\n"
           "      one record per stdin line\n"
           "  tail TOPIC [--from-beginning] [--limit N] [--partition P] [--headers]\n"
           "      print records as they arrive (Ctrl-C stops)\n"
           "  groups list\n"
           "      every consumer group with its state, protocol and member count\n"
           "  groups describe GROUP\n"
           "      state, members (client id, host, assignment), and per partition the committed\n"
           "      offset, high watermark, lag and owning member\n"
           "  offsets reset --group G --to earliest|latest|datetime=RFC3339|offset=N\n"
           "                [--topic T[:P,...]]... [--execute]\n"
           "      move the group's committed offsets (default: every topic it has committed on);\n"
           "      a dry run that prints the plan unless --execute; refused while the group has\n"
           "      active members. An offset past either end of a partition moves to that end.\n"
           "  audit verify --db FILE [--json]\n"
           "      recompute an audit-consumer database's hash chains and checkpoints offline (no\n"
           "      Kafka); exit 1 names the first tampered row of each failing partition\n"
           "\n"
           "The cluster comes from --bootstrap or KAFKA_BOOTSTRAP_SERVERS; every other KAFKA_<PROP>\n"
           "variable sets a librdkafka property as in the services (KAFKA_SECURITY_PROTOCOL, ...).\n"
           "--timeout (default 10) bounds each wait for the cluster. Exit status: 0 ok, 1 failed,\n"
           "2 bad usage.\n";
}

int Main(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env, Io io,
         const std::atomic<bool>& stop) {
    // Offline and with its own options: no cluster settings are read or required.
    if (argv.size() >= 2 && argv[0] == "audit" && argv[1] == "verify") {
        return AuditVerify(std::vector<std::string>(argv.begin() + 2, argv.end()));
    }
    try {
        const Args args(argv, kValued, kFlags);
        const auto& words = args.Positional();
        if (args.Flag("--help") || (!words.empty() && words[0] == "help")) {
            io.out << Usage();
            return 0;
        }
        if (words.empty()) {
            throw UsageError("missing command");
        }
        const Command* command = nullptr;
        for (const auto& candidate : Commands()) {
            if (candidate.first == words[0] &&
                (candidate.second.empty() || (words.size() > 1 && candidate.second == words[1]))) {
                command = &candidate;
                break;
            }
        }
        if (command == nullptr) {
            throw UsageError("unknown command '" + words[0] + (words.size() > 1 ? " " + words[1] : "") + "'");
        }
        std::set<std::string> allowed = command->options;
        allowed.insert(kGlobal.begin(), kGlobal.end());
        args.AllowOnly(allowed);
        const auto seconds = args.Integer("--timeout", 1, 3600).value_or(10);
        Context context{ClientConfigFrom(env, args.Value("--bootstrap")), std::chrono::seconds(seconds), io, stop};
        return command->run(context, args);
    } catch (const UsageError& error) {
        io.err << "cosmicctl: " << error.what() << "\n\n" << Usage();
        return 2;
    } catch (const std::exception& error) {
        // CommandError, AdminError, GroupLagError, KafkaException, ...: all say what failed.
        io.err << "cosmicctl: " << error.what() << "\n";
        return 1;
    }
}

}  // namespace cosmic::cosmicctl
