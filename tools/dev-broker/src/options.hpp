#pragma once
// Command line of dev-broker.

#include <optional>
#include <string>
#include <vector>

namespace cosmic::dev_broker {

struct Options {
    int brokers = 3;
    std::string bootstrap_file;  ///< empty = do not write one
    int control_port = 0;        ///< 0 = any free port
    std::string control_bind = "127.0.0.1";
    std::string log_level = "info";
};

/// What the command line asked for: run with options, print help, or fail with a message.
struct ParseResult {
    std::optional<Options> options;
    bool help = false;
    std::string error;
};

ParseResult ParseOptions(const std::vector<std::string>& args);

/// The --help text.
std::string Usage();

}  // namespace cosmic::dev_broker
