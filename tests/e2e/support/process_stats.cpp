#include "support/process_stats.hpp"

#include <fstream>
#include <string>

namespace cosmic::e2e {

long long RssBytes(int pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6)) * 1024;
    }
    return 0;
}

}  // namespace cosmic::e2e
