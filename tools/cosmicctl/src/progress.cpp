#include "progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>

namespace cosmic::cosmicctl {
namespace {

constexpr int kBarWidth = 30;

double Seconds(Progress::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

bool IsTerminal(int fd) { return ::isatty(fd) == 1; }

Progress::Progress(std::ostream& out, std::string label, std::optional<std::int64_t> total, Options options)
    : out_(out), label_(std::move(label)), total_(total), options_(std::move(options)) {
    start_ = options_.now();
    last_draw_ = start_;
}

std::string Progress::Rate(double per_second) {
    char text[32];
    if (per_second >= 1000) {
        std::snprintf(text, sizeof(text), "%.1fk/s", per_second / 1000);
    } else {
        std::snprintf(text, sizeof(text), "%.0f/s", per_second);
    }
    return text;
}

std::string Progress::Duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto whole = static_cast<long long>(std::llround(seconds));
    if (whole < 60) return std::to_string(whole) + " s";
    if (whole < 3600) return std::to_string(whole / 60) + " min " + std::to_string(whole % 60) + " s";
    return std::to_string(whole / 3600) + " h " + std::to_string(whole % 3600 / 60) + " min";
}

std::string Progress::Line(std::int64_t done, Clock::time_point now) const {
    const double elapsed = Seconds(now - start_);
    const double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
    std::string line = label_ + ": ";
    if (total_ && *total_ > 0) {
        const double fraction = std::clamp(static_cast<double>(done) / static_cast<double>(*total_), 0.0, 1.0);
        if (options_.terminal) {
            const int filled = static_cast<int>(fraction * kBarWidth);
            line += "[" + std::string(static_cast<std::size_t>(filled), '#') +
                    std::string(static_cast<std::size_t>(kBarWidth - filled), '.') + "] ";
        }
        line += std::to_string(done) + "/" + std::to_string(*total_) + " (" +
                std::to_string(static_cast<int>(fraction * 100)) + "%), " + Rate(rate) + ", ETA " +
                (rate > 0 ? Duration(static_cast<double>(*total_ - done) / rate) : "?");
    } else {
        line += std::to_string(done) + ", " + Rate(rate);
    }
    return line;
}

void Progress::Update(std::int64_t done) {
    if (finished_) return;
    const auto now = options_.now();
    const auto interval = options_.terminal ? options_.redraw_interval : options_.line_interval;
    if (now - last_draw_ < interval) return;
    last_draw_ = now;
    drew_ = true;
    if (options_.terminal) {
        // Back to the line start and clear it: the bar is redrawn in place.
        out_ << '\r' << Line(done, now) << "\x1b[K" << std::flush;
    } else {
        out_ << Line(done, now) << '\n' << std::flush;
    }
}

void Progress::Finish(std::int64_t done) {
    if (finished_) return;
    finished_ = true;
    const auto now = options_.now();
    const double elapsed = Seconds(now - start_);
    // An operation that ended before its first progress report stays quiet.
    if (!drew_) return;
    if (options_.terminal) out_ << '\r' << "\x1b[K";
    out_ << label_ << ": " << done << " done in " << Duration(elapsed) << " ("
         << Rate(elapsed > 0 ? static_cast<double>(done) / elapsed : 0) << ")\n"
         << std::flush;
}

}  // namespace cosmic::cosmicctl
