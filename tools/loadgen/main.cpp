#include <cstdio>

#include "loadgen.hpp"

int main(int argc, char** argv) {
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
