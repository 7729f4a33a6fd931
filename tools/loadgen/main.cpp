#include <cstdio>
#include <cstring>
#include <exception>

#include "event_load.hpp"
#include "loadgen.hpp"

namespace {

int RunEventLoad(int argc, char** argv) {
    cosmic::loadgen::EventLoadOptions options;
    bool help = false;
    if (auto error = cosmic::loadgen::ParseEventArgs(argc, argv, options, help)) {
        std::fprintf(stderr, "loadgen events: %s\n%s", error->c_str(), cosmic::loadgen::EventUsage().c_str());
        return 2;
    }
    if (help) {
        std::fputs(cosmic::loadgen::EventUsage().c_str(), stdout);
        return 0;
    }
    try {
        const cosmic::loadgen::EventLoadReport report = cosmic::loadgen::RunEvents(options);
        std::fputs(cosmic::loadgen::FormatEvents(report, options).c_str(), stdout);
        return report.failed == 0 && report.produced == options.count ? 0 : 1;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "loadgen events: %s\n", error.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "events") == 0) {
        return RunEventLoad(argc - 1, argv + 1);
    }
    cosmic::loadgen::Options options;
    bool help = false;
    if (auto error = cosmic::loadgen::ParseArgs(argc, argv, options, help)) {
        std::fprintf(stderr, "loadgen: %s\n%s", error->c_str(), cosmic::loadgen::Usage().c_str());
        return 2;
    }
    if (help) {
        std::fputs(cosmic::loadgen::Usage().c_str(), stdout);
        return 0;
    }
    const cosmic::loadgen::Report report = cosmic::loadgen::Run(options);
    std::fputs(cosmic::loadgen::Format(report, options).c_str(), stdout);
    return report.errors == 0 && report.accepted == options.jobs ? 0 : 1;
}
