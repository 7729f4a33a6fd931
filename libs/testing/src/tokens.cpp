#include "cosmic/testing/tokens.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

#include "cosmic/testing/temp_dir.hpp"

namespace cosmic::testing {
namespace {

const std::string& Plain(const std::string& value) {
    for (const char c : value) {
        if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
            throw std::invalid_argument("token field needs JSON escaping: " + value);
        }
    }
    return value;
}

}  // namespace

std::string Sha256Hex(std::string_view text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("SHA-256 failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(2 * size);
    for (unsigned int i = 0; i < size; ++i) {
        hex += kHex[digest[i] >> 4U];
        hex += kHex[digest[i] & 15U];
    }
    return hex;
}

std::string TokensJson(const std::vector<TokenSpec>& tokens) {
    std::string out = "{\"tokens\": [";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const TokenSpec& t = tokens[i];
        out += i == 0 ? "\n" : ",\n";
        out += "  {\"sha256\": \"" + Sha256Hex(t.token) + "\", \"user_id\": \"" + Plain(t.user_id) + "\", \"roles\": [";
        for (std::size_t r = 0; r < t.roles.size(); ++r) {
            out += (r == 0 ? "\"" : ", \"") + Plain(t.roles[r]) + "\"";
        }
        out += "]}";
    }
    out += "\n]}\n";
    return out;
}

void WriteTokensFile(const std::filesystem::path& path, const std::vector<TokenSpec>& tokens) {
    WriteFile(path, TokensJson(tokens));
}

}  // namespace cosmic::testing
