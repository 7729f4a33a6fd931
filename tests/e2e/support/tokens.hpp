#pragma once
/// Writes a bearer-tokens file in the services' format (DESIGN.md §8):
/// {"tokens": [{"sha256": "<hex of token>", "user_id": "u1", "roles": ["user"]}]}

#include <filesystem>
#include <string>
#include <vector>

namespace cosmic::e2e {

struct TokenSpec {
    std::string token;  ///< the secret the client sends
    std::string user_id;
    std::vector<std::string> roles;
};

/// Lower-case hex SHA-256 of `text`.
std::string Sha256Hex(const std::string& text);

/// Writes `tokens` to `path` (replacing it).
void WriteTokensFile(const std::filesystem::path& path, const std::vector<TokenSpec>& tokens);

}  // namespace cosmic::e2e
