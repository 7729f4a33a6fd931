#include <chrono>
#include <cstdint>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {
namespace {

constexpr std::int64_t kMsPerDay = 86'400'000;

// Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian arithmetic.
constexpr std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) noexcept {
    y -= m <= 2 ? 1 : 0;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
    std::int64_t year;
    unsigned month;
    unsigned day;
};

constexpr Civil CivilFromDays(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

constexpr bool IsLeap(std::int64_t y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr unsigned DaysInMonth(std::int64_t y, unsigned m) noexcept {
    constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

constexpr std::int64_t kMinMs = DaysFromCivil(0, 1, 1) * kMsPerDay;
constexpr std::int64_t kMaxMs = DaysFromCivil(9999, 12, 31) * kMsPerDay + kMsPerDay - 1;

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(CivilFromDays(DaysFromCivil(2024, 2, 29)).day == 29);

void AppendDigits(std::string& out, std::int64_t value, int width) {
    char buf[8];
    for (int i = width - 1; i >= 0; --i) {
        buf[i] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    out.append(buf, static_cast<std::size_t>(width));
}

// Reads exactly `count` ASCII digits at `pos`; -1 when any is not a digit.
int Digits(std::string_view text, std::size_t pos, std::size_t count) noexcept {
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        const char c = text[i];
        if (c < '0' || c > '9') {
            return -1;
        }
        value = value * 10 + (c - '0');
    }
    return value;
}

}  // namespace

void AppendTimestamp(std::int64_t epoch_ms, std::string& out) {
    epoch_ms = epoch_ms < kMinMs ? kMinMs : (epoch_ms > kMaxMs ? kMaxMs : epoch_ms);
    // Floor division so times before 1970 land on the right day.
    std::int64_t days = epoch_ms / kMsPerDay;
    std::int64_t rem = epoch_ms % kMsPerDay;
    if (rem < 0) {
        rem += kMsPerDay;
        --days;
    }
    const Civil civil = CivilFromDays(days);
    AppendDigits(out, civil.year, 4);
    out.push_back('-');
    AppendDigits(out, civil.month, 2);
    out.push_back('-');
    AppendDigits(out, civil.day, 2);
    out.push_back('T');
    AppendDigits(out, rem / 3'600'000, 2);
    out.push_back(':');
    AppendDigits(out, rem / 60'000 % 60, 2);
    out.push_back(':');
    AppendDigits(out, rem / 1000 % 60, 2);
    out.push_back('.');
    AppendDigits(out, rem % 1000, 3);
    out.push_back('Z');
}

std::string FormatTimestamp(std::int64_t epoch_ms) {
    std::string out;
    out.reserve(24);
    AppendTimestamp(epoch_ms, out);
    return out;
}

std::int64_t NowEpochMs() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::optional<std::int64_t> ParseTimestamp(std::string_view text) noexcept {
    // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || (text[10] != 'T' && text[10] != 't') ||
        text[13] != ':' || text[16] != ':') {
        return std::nullopt;
    }
    const int year = Digits(text, 0, 4);
    const int month = Digits(text, 5, 2);
    const int day = Digits(text, 8, 2);
    const int hour = Digits(text, 11, 2);
    const int minute = Digits(text, 14, 2);
    int second = Digits(text, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 ||
        static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month)) || hour < 0 || hour > 23 ||
        minute < 0 || minute > 59 || second < 0 || second > 60 || (second == 60 && minute != 59)) {
        return std::nullopt;
    }
    std::size_t pos = 19;
    int millis = 0;
    if (text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            if (pos - start < 3) {
                millis = millis * 10 + (text[pos] - '0');
            }
            ++pos;
        }
        const std::size_t count = pos - start;
        if (count == 0) {
            return std::nullopt;
        }
        for (std::size_t i = count; i < 3; ++i) {
            millis *= 10;
        }
    }
    if (pos >= text.size()) {
        return std::nullopt;
    }
    std::int64_t offset_minutes = 0;
    const char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
        ++pos;
    } else if (zone == '+' || zone == '-') {
        if (text.size() - pos != 6 || text[pos + 3] != ':') {
            return std::nullopt;
        }
        const int off_hour = Digits(text, pos + 1, 2);
        const int off_minute = Digits(text, pos + 4, 2);
        if (off_hour < 0 || off_hour > 23 || off_minute < 0 || off_minute > 59) {
            return std::nullopt;
        }
        offset_minutes = (zone == '+' ? 1 : -1) * (std::int64_t{off_hour} * 60 + off_minute);
        pos += 6;
    } else {
        return std::nullopt;
    }
    if (pos != text.size()) {
        return std::nullopt;
    }
    const std::int64_t days = DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    const std::int64_t seconds = ((days * 24 + hour) * 60 + minute - offset_minutes) * 60 + second;
    return seconds * 1000 + millis;
}

}  // namespace cosmic::schema
