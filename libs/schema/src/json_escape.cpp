#include "json_escape.hpp"

#include <array>
#include <cstdint>

namespace cosmic::schema::detail {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr char kHex[] = "0123456789abcdef";

// Bytes copied as they are: printable ASCII except '"' and '\\'. A table keeps the scan loop branch-light.
constexpr auto kPlain = [] {
    std::array<bool, 256> plain{};
    for (int c = 0x20; c < 0x80; ++c) {
        plain[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    }
    return plain;
}();

constexpr bool IsPlain(unsigned char c) noexcept { return kPlain[c]; }

// Length of the valid UTF-8 sequence starting at `p` (lead byte >= 0x80), or the negated length of
// its maximal invalid subpart (always >= 1 byte) so the caller replaces exactly that many bytes.
int Utf8Sequence(const unsigned char* p, std::size_t available) noexcept {
    const unsigned char lead = p[0];
    int length = 0;
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        if (lead == 0xE0) {
            low = 0xA0;  // no overlong forms
        } else if (lead == 0xED) {
            high = 0x9F;  // no UTF-16 surrogates
        }
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        if (lead == 0xF0) {
            low = 0x90;
        } else if (lead == 0xF4) {
            high = 0x8F;  // nothing above U+10FFFF
        }
    } else {
        return -1;
    }
    for (int i = 1; i < length; ++i) {
        if (static_cast<std::size_t>(i) >= available) {
            return -i;
        }
        const unsigned char c = p[i];
        if (c < low || c > high) {
            return -i;
        }
        low = 0x80;
        high = 0xBF;
    }
    return length;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view value) {
    const auto* data = reinterpret_cast<const unsigned char*>(value.data());
    const std::size_t size = value.size();
    out.push_back('"');
    std::size_t i = 0;
    while (i < size) {
        std::size_t run = i;
        while (run < size && IsPlain(data[run])) {
            ++run;
        }
        out.append(value.data() + i, run - i);
        i = run;
        if (i >= size) {
            break;
        }
        const unsigned char c = data[i];
        if (c == '"' || c == '\\') {
            out.push_back('\\');
            out.push_back(static_cast<char>(c));
            ++i;
        } else if (c < 0x20) {
            const char escape[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
            out.append(escape, sizeof(escape));
            ++i;
        } else {
            const int length = Utf8Sequence(data + i, size - i);
            if (length > 0) {
                out.append(value.data() + i, static_cast<std::size_t>(length));
                i += static_cast<std::size_t>(length);
            } else {
                out.append(kReplacement);
                i += static_cast<std::size_t>(-length);
            }
        }
    }
    out.push_back('"');
}

std::size_t CodePointCount(std::string_view utf8) noexcept {
    std::size_t count = 0;
    for (const char c : utf8) {
        count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return count;
}

}  // namespace cosmic::schema::detail
