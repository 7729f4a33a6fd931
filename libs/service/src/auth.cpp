#include "cosmic/service/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <string>
#include <utility>

#include "config_value.hpp"
#include "cosmic/service/config.hpp"

namespace cosmic::service {
namespace {

constexpr std::string_view kHexDigits = "0123456789abcdef";

Authenticator::Digest Sha256(std::string_view data) {
    Authenticator::Digest digest{};
    unsigned int length = 0;
    if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
        length != digest.size()) {
        throw std::runtime_error("SHA-256 failed");
    }
    return digest;
}

int HexValue(char c) {
    const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t index = kHexDigits.find(lower);
    return index == std::string_view::npos ? -1 : static_cast<int>(index);
}

std::optional<Authenticator::Digest> ParseHexDigest(std::string_view hex) {
    Authenticator::Digest digest{};
    if (hex.size() != digest.size() * 2) {
        return std::nullopt;
    }
    for (std::size_t i = 0; i < digest.size(); ++i) {
        const int high = HexValue(hex[2 * i]);
        const int low = HexValue(hex[2 * i + 1]);
        if (high < 0 || low < 0) {
            return std::nullopt;
        }
        digest[i] = static_cast<unsigned char>(high * 16 + low);
    }
    return digest;
}

/// The token of "Bearer <token>", or empty.
std::string_view BearerToken(std::string_view header) {
    constexpr std::string_view kScheme = "bearer";
    header = detail::TrimAscii(header);
    if (header.size() <= kScheme.size() ||
        !std::equal(kScheme.begin(), kScheme.end(), header.begin(),
                    [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); }) ||
        (header[kScheme.size()] != ' ' && header[kScheme.size()] != '\t')) {
        return {};
    }
    return detail::TrimAscii(header.substr(kScheme.size()));
}

}  // namespace

std::string_view RoleName(Role role) {
    switch (role) {
        case Role::kUser:
            return "user";
        case Role::kAdmin:
            return "admin";
        case Role::kAuditor:
            return "auditor";
    }
    return "?";
}

std::optional<Role> ParseRole(std::string_view name) {
    for (Role role : {Role::kUser, Role::kAdmin, Role::kAuditor}) {
        if (RoleName(role) == name) {
            return role;
        }
    }
    return std::nullopt;
}

bool HasRole(const Principal& principal, Role role) {
    return std::find(principal.roles.begin(), principal.roles.end(), role) != principal.roles.end();
}

bool HasAnyRole(const Principal& principal, const std::vector<Role>& roles) {
    return roles.empty() ||
           std::any_of(roles.begin(), roles.end(), [&](Role role) { return HasRole(principal, role); });
}

Authenticator::Authenticator(std::vector<Entry> entries) : entries_(std::move(entries)) {}

Authenticator Authenticator::FromFile(const std::string& path, std::string_view key) {
    const std::string source = "file " + path;
    const auto fail = [&](const std::string& problem) { throw ConfigError(std::string(key), source, problem); };

    simdjson::dom::parser parser;
    simdjson::dom::element root;
    if (auto error = parser.load(path).get(root); error != simdjson::SUCCESS) {
        fail(
            std::string(error == simdjson::IO_ERROR ? "cannot read tokens file: " : "tokens file is not valid JSON: ") +
            simdjson::error_message(error));
    }
    simdjson::dom::array tokens;
    if (root["tokens"].get_array().get(tokens) != simdjson::SUCCESS) {
        fail("tokens file needs a \"tokens\" array");
    }
    std::vector<Entry> entries;
    std::size_t index = 0;
    for (simdjson::dom::element item : tokens) {
        const std::string where = "tokens[" + std::to_string(index++) + "]";
        std::string_view hash;
        std::string_view user_id;
        simdjson::dom::array roles;
        if (item["sha256"].get_string().get(hash) != simdjson::SUCCESS) {
            fail(where + ".sha256 must be a string");
        }
        auto digest = ParseHexDigest(hash);
        if (!digest) {
            fail(where + ".sha256 must be 64 hex digits (the SHA-256 of the token)");
        }
        if (item["user_id"].get_string().get(user_id) != simdjson::SUCCESS || user_id.empty()) {
            fail(where + ".user_id must be a non-empty string");
        }
        if (item["roles"].get_array().get(roles) != simdjson::SUCCESS) {
            fail(where + ".roles must be an array");
        }
        Entry entry{*digest, Principal{std::string(user_id), {}}};
        for (simdjson::dom::element role_element : roles) {
            std::string_view name;
            if (role_element.get_string().get(name) != simdjson::SUCCESS) {
                fail(where + ".roles must hold strings");
            }
            auto role = ParseRole(name);
            if (!role) {
                fail(where + ": unknown role '" + std::string(name) + "' (expected user|admin|auditor)");
            }
            if (!HasRole(entry.principal, *role)) {
                entry.principal.roles.push_back(*role);
            }
        }
        const bool duplicate = std::any_of(entries.begin(), entries.end(),
                                           [&](const Entry& other) { return other.sha256 == entry.sha256; });
        if (duplicate) {
            fail(where + ": the same token hash appears twice");
        }
        entries.push_back(std::move(entry));
    }
    return Authenticator(std::move(entries));
}

std::optional<Principal> Authenticator::Authenticate(std::string_view authorization_header) const {
    const std::string_view token = BearerToken(authorization_header);
    if (token.empty()) {
        return std::nullopt;
    }
    const Digest digest = Sha256(token);
    // Visit every entry and select without an early exit, so timing does not reveal where (or
    // whether) the match was.
    const Entry* match = nullptr;
    for (const Entry& entry : entries_) {
        const bool equal = CRYPTO_memcmp(entry.sha256.data(), digest.data(), digest.size()) == 0;
        match = equal ? &entry : match;
    }
    if (match == nullptr) {
        return std::nullopt;
    }
    return match->principal;
}

std::optional<Principal> Authenticator::Authenticate(const telemetry::HttpRequest& request,
                                                     bool allow_query_token) const {
    if (auto header = request.Header("Authorization")) {
        return Authenticate(*header);
    }
    if (allow_query_token) {
        if (auto token = request.Query("access_token"); token && !token->empty()) {
            return Authenticate("Bearer " + *token);
        }
    }
    return std::nullopt;
}

std::string Authenticator::HashHex(std::string_view token) {
    const Digest digest = Sha256(token);
    std::string hex;
    hex.reserve(digest.size() * 2);
    for (unsigned char byte : digest) {
        hex += kHexDigits[byte >> 4];
        hex += kHexDigits[byte & 0x0f];
    }
    return hex;
}

}  // namespace cosmic::service
