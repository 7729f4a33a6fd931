#pragma once
/// Sends one mail per call through libcurl's SMTP (smtp:// with optional or required STARTTLS,
/// smtps://, AUTH from the config's secrets). One client per delivery thread: its easy handle
/// keeps at most one connection open and reuses it between mails.

#include <atomic>
#include <string>
#include <string_view>

#include "cosmic/notification_consumer/notify_config.hpp"
#include "cosmic/notification_consumer/send_result.hpp"

namespace cosmic::notification {

class SmtpClient {
  public:
    /// `abort` (may be null) cuts a transfer short when it turns true (shutdown deadline).
    SmtpClient(SmtpSettings settings, const std::atomic<bool>* abort);
    ~SmtpClient();
    SmtpClient(const SmtpClient&) = delete;
    SmtpClient& operator=(const SmtpClient&) = delete;

    bool Configured() const { return !settings_.url.empty(); }
    /// Sends `message` (a complete RFC 5322 text) to `to`. SMTP 5xx replies are permanent,
    /// everything else that fails is worth a retry.
    SendResult Send(std::string_view to, std::string_view message);

  private:
    SmtpSettings settings_;
    const std::atomic<bool>* abort_;
    void* curl_ = nullptr;
};

}  // namespace cosmic::notification
