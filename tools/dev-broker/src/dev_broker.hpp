#pragma once
// dev-broker's process: mock cluster + table topics + control API, until SIGTERM/SIGINT.

#include <string>
#include <vector>

#include "options.hpp"

namespace cosmic::dev_broker {

/// Writes `content` to `path` through a temporary file in the same directory and a rename, so
/// a reader never sees a partial file. Throws std::runtime_error.
void WriteFileAtomically(const std::string& path, const std::string& content);

/// The whole program: parses `args` (without argv[0]), runs until a stop signal, returns the
/// exit status (0 clean stop, 2 bad arguments, 1 failure).
int Main(const std::vector<std::string>& args);

}  // namespace cosmic::dev_broker
