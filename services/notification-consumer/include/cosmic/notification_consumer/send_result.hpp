#pragma once
/// What one delivery attempt on a channel came to.

#include <string>

namespace cosmic::notification {

struct SendResult {
    enum class Kind {
        kSent,       ///< the receiver took it
        kRetry,      ///< worth another attempt (connection refused, timeout, 4xx SMTP, 5xx HTTP, 429)
        kPermanent,  ///< will never work (5xx SMTP, 4xx HTTP, not configured)
        kSkipped,    ///< nothing to deliver to (no open WebSocket)
    };
    Kind kind = Kind::kSent;
    std::string error;  ///< why, for kRetry / kPermanent / kSkipped

    static SendResult Sent() { return {}; }
    static SendResult Retry(std::string why) { return {Kind::kRetry, std::move(why)}; }
    static SendResult Permanent(std::string why) { return {Kind::kPermanent, std::move(why)}; }
    static SendResult Skipped(std::string why) { return {Kind::kSkipped, std::move(why)}; }
};

}  // namespace cosmic::notification
