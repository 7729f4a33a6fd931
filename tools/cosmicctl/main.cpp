#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "src/cli.hpp"
#include "src/environment.hpp"
#include "src/progress.hpp"

namespace {
std::atomic<bool> g_stop{false};
void OnStop(int /*signal*/) { g_stop.store(true); }
}  // namespace

int main(int argc, char** argv) {
    // stdout carries command output (tail, dlq list, --json): librdkafka's and the libraries' log
    // lines go to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("cosmicctl"));
    std::signal(SIGINT, OnStop);
    std::signal(SIGTERM, OnStop);
    return cosmic::cosmicctl::Main(
        std::vector<std::string>(argv + 1, argv + argc), cosmic::cosmicctl::Environment(),
        {std::cin, std::cout, std::cerr, cosmic::cosmicctl::IsTerminal(1), cosmic::cosmicctl::IsTerminal(2)}, g_stop);
}
