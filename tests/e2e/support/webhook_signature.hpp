#pragma once
/// Checks a notification webhook's signature as a receiver would, independently of the service's
/// code: "sha256=" + hex HMAC-SHA256(secret, "<timestamp>.<raw body>"), compared in constant time.

#include <string_view>

namespace cosmic::e2e {

bool WebhookSignatureValid(std::string_view secret, std::string_view timestamp, std::string_view body,
                           std::string_view signature);

}  // namespace cosmic::e2e
