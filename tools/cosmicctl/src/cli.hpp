#pragma once
// cosmicctl as a function: tests call Main with their own streams and environment.

#include <atomic>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

namespace cosmic::cosmicctl {

struct Io {
    std::istream& in;
    std::ostream& out;
    std::ostream& err;
    bool out_terminal = false;  ///< stdout is a terminal
    bool err_terminal = false;  ///< stderr is a terminal: progress is a bar redrawn in place
};

/// Runs one command line (without argv[0]). Returns the exit status: 0 success, 1 failure
/// (message on `err`), 2 bad usage (message and usage on `err`). `stop` ends `tail`.
int Main(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, Io io,
         const std::atomic<bool>& stop);

std::string Usage();

}  // namespace cosmic::cosmicctl
