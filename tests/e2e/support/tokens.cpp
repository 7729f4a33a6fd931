#include "tokens.hpp"

#include <openssl/evp.h>

#include <array>
#include <fstream>
#include <stdexcept>

namespace cosmic::e2e {

std::string Sha256Hex(const std::string& text) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_Digest(text.data(), text.size(), digest.data(), &size, EVP_sha256(), nullptr) != 1) {
        throw std::runtime_error("e2e: SHA-256 failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (unsigned int i = 0; i < size; ++i) {
        hex += kHex[digest[i] >> 4];
        hex += kHex[digest[i] & 15];
    }
    return hex;
}

void WriteTokensFile(const std::filesystem::path& path, const std::vector<TokenSpec>& tokens) {
    // Test identities are plain ASCII, so no JSON escaping is needed; refuse anything else.
    const auto check = [](const std::string& value) {
        for (const char c : value) {
            if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
                throw std::invalid_argument("e2e: token field needs escaping: " + value);
            }
        }
        return value;
    };
    std::ofstream out(path, std::ios::trunc);
    out << "{\"tokens\": [";
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const TokenSpec& t = tokens[i];
        out << (i == 0 ? "\n" : ",\n") << "  {\"sha256\": \"" << Sha256Hex(t.token) << "\", \"user_id\": \""
            << check(t.user_id) << "\", \"roles\": [";
        for (std::size_t r = 0; r < t.roles.size(); ++r) {
            out << (r == 0 ? "" : ", ") << '"' << check(t.roles[r]) << '"';
        }
        out << "]}";
    }
    out << "\n]}\n";
    if (!out.flush()) {
        throw std::runtime_error("e2e: cannot write " + path.string());
    }
}

}  // namespace cosmic::e2e
