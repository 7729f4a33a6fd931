// Progress lines: periodic plain lines off a terminal, a bar redrawn in place on one, quiet for
// operations shorter than one interval, and the rate/ETA arithmetic.

#include "progress.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace cosmic::cosmicctl {
namespace {

using namespace std::chrono_literals;

struct FakeClock {
    Progress::Clock::time_point now{};
    std::function<Progress::Clock::time_point()> Fn() {
        return [this] { return now; };
    }
};

TEST(Progress, PlainLinesAtTheIntervalWithRateAndEta) {
    FakeClock clock;
    std::ostringstream out;
    Progress progress(out, "dlq replay x.dlq", 1000, {.terminal = false, .line_interval = 5000ms, .now = clock.Fn()});
    clock.now += 1s;
    progress.Update(100);
    EXPECT_EQ(out.str(), "");  // before the first interval: nothing
    clock.now += 4s;
    progress.Update(500);
    EXPECT_EQ(out.str(), "dlq replay x.dlq: 500/1000 (50%), 100/s, ETA 5 s\n");
    clock.now += 1s;
    progress.Update(600);  // within the next interval: no new line
    clock.now += 4s;
    progress.Update(1000);
    progress.Finish(1000);
    EXPECT_EQ(out.str(),
              "dlq replay x.dlq: 500/1000 (50%), 100/s, ETA 5 s\n"
              "dlq replay x.dlq: 1000/1000 (100%), 100/s, ETA 0 s\n"
              "dlq replay x.dlq: 1000 done in 10 s (100/s)\n");
    EXPECT_EQ(out.str().find('\r'), std::string::npos);
}

TEST(Progress, TerminalBarRedrawnInPlaceThenCleared) {
    FakeClock clock;
    std::ostringstream out;
    Progress progress(out, "tail t", 200, {.terminal = true, .redraw_interval = 100ms, .now = clock.Fn()});
    clock.now += 1s;
    progress.Update(50);
    EXPECT_EQ(out.str(), "\rtail t: [#######.......................] 50/200 (25%), 50/s, ETA 3 s\x1b[K");
    clock.now += 1s;
    progress.Update(100);
    progress.Finish(100);
    const std::string text = out.str();
    EXPECT_NE(text.find("\rtail t: [###############...............] 100/200 (50%)"), std::string::npos) << text;
    EXPECT_EQ(text.substr(text.rfind('\r')), "\r\x1b[Ktail t: 100 done in 2 s (50/s)\n");
}

TEST(Progress, ShortOperationsPrintNothingAndUnknownTotalsHaveNoEta) {
    FakeClock clock;
    std::ostringstream quiet;
    Progress fast(quiet, "x", 10, {.now = clock.Fn()});
    fast.Update(10);
    fast.Finish(10);
    EXPECT_EQ(quiet.str(), "");

    std::ostringstream out;
    Progress open(out, "y", std::nullopt, {.line_interval = 1000ms, .now = clock.Fn()});
    clock.now += 2s;
    open.Update(3000);
    EXPECT_EQ(out.str(), "y: 3000, 1.5k/s\n");
}

TEST(Progress, DurationsAndRates) {
    EXPECT_EQ(Progress::Duration(42.4), "42 s");
    EXPECT_EQ(Progress::Duration(185), "3 min 5 s");
    EXPECT_EQ(Progress::Duration(7260), "2 h 1 min");
    EXPECT_EQ(Progress::Duration(-1), "?");
    EXPECT_EQ(Progress::Rate(35.2), "35/s");
    EXPECT_EQ(Progress::Rate(1234), "1.2k/s");
}

}  // namespace
}  // namespace cosmic::cosmicctl
