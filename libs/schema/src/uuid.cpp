#include "cosmic/schema/uuid.hpp"

#include <openssl/rand.h>
#include <pthread.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <random>

#include "cosmic/schema/event.hpp"

namespace cosmic::schema {
namespace {

// Bumped in a forked child so each thread there reseeds instead of repeating the parent's sequence.
std::atomic<std::uint64_t> g_fork_generation{1};
void OnForkChild() noexcept { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }
[[maybe_unused]] const int kAtForkRegistered = pthread_atfork(nullptr, nullptr, &OnForkChild);

constexpr std::uint64_t Rotl(std::uint64_t x, int k) noexcept { return (x << k) | (x >> (64 - k)); }

// xoshiro256** (Blackman & Vigna): fast, 256-bit state; unique streams come from the CSPRNG seed.
class Xoshiro256 {
  public:
    std::uint64_t Next() noexcept {
        const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = Rotl(s_[3], 45);
        return result;
    }

    void Seed() {
        unsigned char bytes[sizeof(s_)];
        if (RAND_bytes(bytes, sizeof(bytes)) == 1) {
            std::memcpy(s_.data(), bytes, sizeof(bytes));
        } else {
            std::random_device device;
            for (auto& word : s_) {
                word = (static_cast<std::uint64_t>(device()) << 32) ^ device();
            }
        }
        if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) {
            s_[0] = 0x9e3779b97f4a7c15ULL;  // the all-zero state is a fixed point
        }
    }

  private:
    std::array<std::uint64_t, 4> s_{};
};

struct ThreadGenerator {
    Xoshiro256 rng;
    std::uint64_t generation = 0;
};

Xoshiro256& Generator() {
    thread_local ThreadGenerator local;
    const std::uint64_t generation = g_fork_generation.load(std::memory_order_relaxed);
    if (local.generation != generation) {
        local.rng.Seed();
        local.generation = generation;
    }
    return local.rng;
}

constexpr char kHex[] = "0123456789abcdef";

constexpr auto kIsHex = [] {
    std::array<bool, 256> hex{};
    for (int c = 0; c < 256; ++c) {
        hex[static_cast<std::size_t>(c)] = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
    return hex;
}();

bool IsHex(char c) noexcept { return kIsHex[static_cast<unsigned char>(c)]; }

}  // namespace

bool IsUuid(std::string_view text) noexcept {
    if (text.size() != 36) {
        return false;
    }
    if (text[8] != '-' || text[13] != '-' || text[18] != '-' || text[23] != '-') {
        return false;
    }
    bool hex = true;
    for (std::size_t i = 0; i < text.size(); ++i) {
        hex &= IsHex(text[i]) || i == 8 || i == 13 || i == 18 || i == 23;
    }
    return hex;
}

void AppendNewUuid(std::string& out) {
    auto& rng = Generator();
    std::uint64_t hi = rng.Next();
    std::uint64_t lo = rng.Next();
    hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;  // version 4
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
    std::array<unsigned char, 16> bytes{};
    for (std::size_t i = 0; i < 8; ++i) {
        bytes[i] = static_cast<unsigned char>(hi >> (56 - 8 * i));
        bytes[8 + i] = static_cast<unsigned char>(lo >> (56 - 8 * i));
    }
    char text[36];
    std::size_t pos = 0;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) {
            text[pos++] = '-';
        }
        text[pos++] = kHex[bytes[i] >> 4];
        text[pos++] = kHex[bytes[i] & 0xf];
    }
    out.append(text, sizeof(text));
}

std::string NewUuid() {
    std::string out;
    out.reserve(36);
    AppendNewUuid(out);
    return out;
}

}  // namespace cosmic::schema
