#pragma once
// Progress of a long operation on stderr (stdout stays the command's output): on a terminal a
// bar redrawn in place with the count, rate and ETA; otherwise (a pipe, a log file, CI) a plain
// line at most every `line_interval`, so logs stay readable. Both end with one summary line.

#include <chrono>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

namespace cosmic::cosmicctl {

class Progress {
  public:
    using Clock = std::chrono::steady_clock;

    struct Options {
        bool terminal = false;                                ///< redraw a bar in place
        std::chrono::milliseconds redraw_interval{100};       ///< terminal: at most this often
        std::chrono::milliseconds line_interval{5000};        ///< otherwise: one line this often
        std::function<Clock::time_point()> now = Clock::now;  ///< tests drive time
    };

    /// `total`: the expected count (nullopt: unknown, no percentage or ETA).
    Progress(std::ostream& out, std::string label, std::optional<std::int64_t> total, Options options);

    /// `done` items so far (monotonic). Draws when the interval has passed.
    void Update(std::int64_t done);
    /// The final line ("label: N done in T s (R/s)"), only when progress was shown at all (an
    /// operation shorter than one interval prints nothing); a terminal bar is cleared first.
    void Finish(std::int64_t done);

    /// "1.2k/s", "35/s"; "42 s", "3 min 5 s", "?" — the pieces of a line, for tests.
    static std::string Rate(double per_second);
    static std::string Duration(double seconds);

  private:
    std::string Line(std::int64_t done, Clock::time_point now) const;

    std::ostream& out_;
    std::string label_;
    std::optional<std::int64_t> total_;
    Options options_;
    Clock::time_point start_;
    Clock::time_point last_draw_;
    bool drew_ = false;
    bool finished_ = false;
};

/// True when file descriptor `fd` is a terminal.
bool IsTerminal(int fd);

}  // namespace cosmic::cosmicctl
