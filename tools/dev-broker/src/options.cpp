#include "options.hpp"

#include <charconv>

namespace cosmic::dev_broker {
namespace {

bool ParseInt(const std::string& text, int low, int high, int& out) {
    int value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || ptr != text.data() + text.size() || value < low || value > high) {
        return false;
    }
    out = value;
    return true;
}

}  // namespace

std::string Usage() {
    return "usage: dev-broker [--brokers N] [--bootstrap-file PATH] [--control-port P] [--log-level L]\n"
           "\n"
           "Runs an in-process Kafka mock cluster on 127.0.0.1 with every topic of the topic table\n"
           "and its .dlq twin, prints the bootstrap list as the first line of stdout, and serves a\n"
           "fault-injection API on 127.0.0.1:P. Stops cleanly on SIGTERM or SIGINT.\n"
           "\n"
           "  --brokers N          brokers in the cluster, 1..32 (default 3)\n"
           "  --bootstrap-file F   also write the bootstrap list to F (removed on exit)\n"
           "  --control-port P     control API port, 0 = any free port (default 0)\n"
           "  --log-level L        trace|debug|info|warn|error|off (default info)\n";
}

ParseResult ParseOptions(const std::vector<std::string>& args) {
    ParseResult result;
    Options options;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-h" || arg == "--help") {
            result.help = true;
            return result;
        }
        // Accept both "--flag value" and "--flag=value".
        std::string name = arg;
        std::optional<std::string> value;
        if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
            name = arg.substr(0, eq);
            value = arg.substr(eq + 1);
        }
        auto next = [&]() -> std::optional<std::string> {
            if (value) {
                return value;
            }
            if (i + 1 < args.size()) {
                return args[++i];
            }
            return std::nullopt;
        };
        if (name == "--brokers") {
            auto text = next();
            if (!text || !ParseInt(*text, 1, 32, options.brokers)) {
                result.error = "--brokers needs a number from 1 to 32";
                return result;
            }
        } else if (name == "--bootstrap-file") {
            auto text = next();
            if (!text || text->empty()) {
                result.error = "--bootstrap-file needs a path";
                return result;
            }
            options.bootstrap_file = *text;
        } else if (name == "--control-port") {
            auto text = next();
            if (!text || !ParseInt(*text, 0, 65535, options.control_port)) {
                result.error = "--control-port needs a port from 0 to 65535";
                return result;
            }
        } else if (name == "--log-level") {
            auto text = next();
            if (!text) {
                result.error = "--log-level needs a level";
                return result;
            }
            options.log_level = *text;
        } else {
            result.error = "unknown argument '" + arg + "'";
            return result;
        }
    }
    result.options = options;
    return result;
}

}  // namespace cosmic::dev_broker
