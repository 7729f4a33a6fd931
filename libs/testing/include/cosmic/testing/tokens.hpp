#pragma once
/// Bearer tokens for services under test, in the services' tokens file format (DESIGN.md §8):
/// {"tokens": [{"sha256": "<hex of token>", "user_id": "u1", "roles": ["user"]}]}

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace cosmic::testing {

struct TokenSpec {
    std::string token;  ///< the secret the client sends
    std::string user_id;
    std::vector<std::string> roles;  ///< "user", "admin", "auditor"
};

/// Lower-case hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);

/// The tokens file's JSON text for `tokens`. Test identities are plain ASCII: a field that would
/// need JSON escaping is refused (std::invalid_argument).
std::string TokensJson(const std::vector<TokenSpec>& tokens);

/// Writes TokensJson(tokens) to `path` (replacing it).
void WriteTokensFile(const std::filesystem::path& path, const std::vector<TokenSpec>& tokens);

}  // namespace cosmic::testing
