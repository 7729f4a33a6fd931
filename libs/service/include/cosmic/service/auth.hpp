#pragma once
/// Bearer-token authentication (DESIGN.md §8): the tokens file stores SHA-256 hashes of tokens,
/// never the tokens themselves. Clients send `Authorization: Bearer <token>`.

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::service {

enum class Role { kUser, kAdmin, kAuditor };

/// "user", "admin", "auditor".
std::string_view RoleName(Role role);
/// nullopt for anything but the three names above.
std::optional<Role> ParseRole(std::string_view name);

/// Who made a request.
struct Principal {
    std::string user_id;
    std::vector<Role> roles;
};

bool HasRole(const Principal& principal, Role role);
/// True when the principal has at least one of `roles` (true for an empty list).
bool HasAnyRole(const Principal& principal, const std::vector<Role>& roles);

/// The known tokens. Immutable after loading, so it can be shared by HTTP worker threads.
class Authenticator {
  public:
    using Digest = std::array<unsigned char, 32>;
    struct Entry {
        Digest sha256;
        Principal principal;
    };

    explicit Authenticator(std::vector<Entry> entries);

    /// Loads `{"tokens":[{"sha256":"<64 hex>","user_id":"u1","roles":["user"]}]}`. Throws
    /// ConfigError naming `key` (the config key that pointed here) and the file for an
    /// unreadable file, bad JSON, a malformed hash, a duplicate hash, an empty user_id or an
    /// unknown role.
    static Authenticator FromFile(const std::string& path, std::string_view key = "auth.tokens_file");

    /// Accepts "Bearer <token>" (scheme case-insensitive). Hashes the token and compares it with
    /// every stored hash in constant time, without stopping at a match.
    std::optional<Principal> Authenticate(std::string_view authorization_header) const;

    /// Authorization header first; when `allow_query_token`, falls back to the `access_token`
    /// query parameter (RFC 6750 §2.3) for WebSocket clients, which cannot set headers.
    std::optional<Principal> Authenticate(const telemetry::HttpRequest& request, bool allow_query_token = false) const;

    std::size_t Size() const { return entries_.size(); }

    /// SHA-256 of `token`, as stored in the tokens file (lower-case hex).
    static std::string HashHex(std::string_view token);

  private:
    std::vector<Entry> entries_;
};

/// A handler that runs only for an authenticated principal.
using AuthenticatedHandler = std::function<telemetry::HttpResponse(const telemetry::HttpRequest&, const Principal&)>;

/// Wraps `handler`: 401 with `WWW-Authenticate: Bearer` and a JSON error when the token is
/// missing or unknown; 403 when the principal has none of `any_of` (empty = any role).
telemetry::HttpHandler RequireAuth(std::shared_ptr<const Authenticator> authenticator, std::vector<Role> any_of,
                                   AuthenticatedHandler handler);

}  // namespace cosmic::service
