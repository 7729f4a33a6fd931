#include "cosmic/telemetry/trace.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <random>
#include <thread>

namespace cosmic::telemetry {
namespace {

constexpr std::size_t kTraceIdHex = 32;
constexpr std::size_t kSpanIdHex = 16;
constexpr std::size_t kVersion00Length = 2 + 1 + kTraceIdHex + 1 + kSpanIdHex + 1 + 2;  // 55
constexpr char kHex[] = "0123456789abcdef";

/// The spec allows lower-case hex only ("HEXDIGLC").
bool IsLowerHex(std::string_view text) {
    for (const char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    return true;
}

bool IsAllZero(std::string_view text) { return text.find_first_not_of('0') == std::string_view::npos; }

int HexValue(char c) { return (c >= '0' && c <= '9') ? c - '0' : c - 'a' + 10; }

std::mt19937_64& ThreadRng() {
    // Seeded per thread from the OS plus the thread id and clock, so threads never share a sequence.
    thread_local std::mt19937_64 rng = [] {
        std::random_device device;
        std::seed_seq seed{device(),
                           device(),
                           device(),
                           device(),
                           static_cast<unsigned>(std::hash<std::thread::id>{}(std::this_thread::get_id())),
                           static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count())};
        return std::mt19937_64(seed);
    }();
    return rng;
}

/// `hex_digits` random lower-case hex characters, never all zero (an invalid id).
std::string RandomHexId(std::size_t hex_digits) {
    std::string id(hex_digits, '0');
    auto& rng = ThreadRng();
    do {
        for (std::size_t i = 0; i < hex_digits; i += 16) {
            std::uint64_t bits = rng();
            for (std::size_t j = i; j < i + 16 && j < hex_digits; ++j) {
                id[j] = kHex[bits & 0x0FU];
                bits >>= 4U;
            }
        }
    } while (IsAllZero(id));
    return id;
}

}  // namespace

std::string TraceContext::ToTraceparent() const {
    std::string out;
    out.reserve(kVersion00Length);
    out += "00-";
    out += trace_id;
    out += '-';
    out += span_id;
    out += sampled ? "-01" : "-00";
    return out;
}

TraceContext TraceContext::Child() const { return TraceContext{trace_id, RandomHexId(kSpanIdHex), sampled}; }

std::optional<TraceContext> ParseTraceparent(std::string_view header) {
    if (header.size() < kVersion00Length) {
        return std::nullopt;
    }
    const std::string_view version = header.substr(0, 2);
    if (!IsLowerHex(version) || version == "ff") {
        return std::nullopt;
    }
    // Version 00 is exactly 55 characters; a later version may append fields after a '-'.
    if (version == "00" ? header.size() != kVersion00Length
                        : header.size() > kVersion00Length && header[kVersion00Length] != '-') {
        return std::nullopt;
    }
    if (header[2] != '-' || header[3 + kTraceIdHex] != '-' || header[4 + kTraceIdHex + kSpanIdHex] != '-') {
        return std::nullopt;
    }
    const std::string_view trace_id = header.substr(3, kTraceIdHex);
    const std::string_view span_id = header.substr(4 + kTraceIdHex, kSpanIdHex);
    const std::string_view flags = header.substr(5 + kTraceIdHex + kSpanIdHex, 2);
    if (!IsLowerHex(trace_id) || !IsLowerHex(span_id) || !IsLowerHex(flags)) {
        return std::nullopt;
    }
    if (IsAllZero(trace_id) || IsAllZero(span_id)) {
        return std::nullopt;
    }
    const bool sampled = (HexValue(flags[1]) & 0x1) != 0;
    return TraceContext{std::string(trace_id), std::string(span_id), sampled};
}

TraceContext NewTrace() { return TraceContext{RandomHexId(kTraceIdHex), RandomHexId(kSpanIdHex), true}; }

}  // namespace cosmic::telemetry
