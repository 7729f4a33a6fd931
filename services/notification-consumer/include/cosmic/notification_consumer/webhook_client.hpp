#pragma once
/// Webhook POSTs with a signature receivers can verify, the scheme GitHub and Stripe use:
///
///     X-Cosmic-Timestamp: <unix seconds>
///     X-Cosmic-Signature: sha256=<hex HMAC-SHA256(user's webhook_secret, timestamp + "." + body)>
///     X-Cosmic-Delivery:  <delivery id, the same on every attempt and after a restart>
///
/// A receiver recomputes the HMAC over the raw body, compares in constant time and rejects
/// timestamps older than a few minutes (replay) and delivery ids it has seen (repeats).
/// One client per delivery thread (at most two connections kept open); redirects are not
/// followed.

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>

#include "cosmic/notification_consumer/notify_config.hpp"
#include "cosmic/notification_consumer/send_result.hpp"

namespace cosmic::notification {

inline constexpr std::string_view kSignatureHeader = "X-Cosmic-Signature";
inline constexpr std::string_view kTimestampHeader = "X-Cosmic-Timestamp";
inline constexpr std::string_view kDeliveryHeader = "X-Cosmic-Delivery";

/// "sha256=" + lower-case hex of HMAC-SHA256(secret, timestamp + "." + body).
std::string WebhookSignature(std::string_view secret, std::string_view timestamp, std::string_view body);

class WebhookClient {
  public:
    WebhookClient(WebhookSettings settings, const std::atomic<bool>* abort);
    ~WebhookClient();
    WebhookClient(const WebhookClient&) = delete;
    WebhookClient& operator=(const WebhookClient&) = delete;

    /// 2xx is sent; 408, 429, 5xx and transport errors are worth a retry; any other status is
    /// permanent.
    SendResult Post(const std::string& url, std::string_view secret, std::string_view body,
                    std::string_view delivery_id, std::int64_t now_ms);

  private:
    WebhookSettings settings_;
    const std::atomic<bool>* abort_;
    void* curl_ = nullptr;
};

}  // namespace cosmic::notification
