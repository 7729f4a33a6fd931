#pragma once
// Runs cosmicctl's Main against a test cluster and captures its output.

#include <atomic>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"
#include "cosmic/testing/child_process.hpp"

namespace cosmic::cosmicctl::test {

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

inline Run Cosmicctl(const std::string& bootstrap, std::vector<std::string> args, const std::string& input = "") {
    std::vector<std::string> argv = {"--bootstrap", bootstrap};
    argv.insert(argv.end(), args.begin(), args.end());
    std::istringstream in(input);
    std::ostringstream out;
    std::ostringstream err;
    static const std::atomic<bool> kNeverStop{false};
    Run run;
    run.status = Main(argv, {}, Io{in, out, err}, kNeverStop);
    run.out = out.str();
    run.err = err.str();
    return run;
}

/// Runs the real cosmicctl binary with `args` and only `env` set (a clean environment); its exit
/// status and output.
inline cosmic::testing::CommandResult RunBinary(std::vector<std::string> args,
                                                std::map<std::string, std::string> env = {}) {
    cosmic::testing::ProcessOptions options;
    options.binary = COSMIC_COSMICCTL_BINARY;
    options.args = std::move(args);
    options.env = std::move(env);
    return cosmic::testing::RunCommand(std::move(options));
}

/// The whitespace-separated fields of the output line starting with `first`, or empty.
inline std::vector<std::string> Row(const std::string& text, const std::string& first, int nth = 0) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        std::istringstream words(line);
        std::vector<std::string> fields;
        for (std::string word; words >> word;) {
            fields.push_back(word);
        }
        if (!fields.empty() && fields[0] == first && nth-- == 0) {
            return fields;
        }
    }
    return {};
}

}  // namespace cosmic::cosmicctl::test
