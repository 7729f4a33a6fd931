#pragma once
/// One notification: what a terminal job-lifecycle event tells its user, and how each channel
/// renders it (mail text, webhook JSON, WebSocket frame, in-app title and body).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cosmic/notification_consumer/user_directory.hpp"
#include "cosmic/schema/event.hpp"

namespace cosmic::notification {

enum class JobOutcome : std::uint8_t { kCompleted, kFailed, kCancelled };

/// The outcome a terminal event type announces; nullopt for every other type. A few byte
/// compares, no allocation: this is the skip path for the five other lifecycle types.
constexpr std::optional<JobOutcome> TerminalOutcome(std::string_view event_type) noexcept {
    if (event_type.size() < 10 || !event_type.starts_with("job.")) return std::nullopt;
    const std::string_view rest = event_type.substr(4);
    if (rest == "completed") return JobOutcome::kCompleted;
    if (rest == "failed") return JobOutcome::kFailed;
    if (rest == "cancelled") return JobOutcome::kCancelled;
    return std::nullopt;
}

/// "completed", "failed", "cancelled".
std::string_view ToString(JobOutcome outcome) noexcept;

struct Notification {
    std::string event_id;  ///< the source event: the idempotency key with the channel
    std::string event_type;
    std::string job_id;
    std::string user_id;
    std::string correlation_id;
    std::string traceparent;  ///< for the receipts: a child of the source's
    JobOutcome outcome = JobOutcome::kCompleted;
    std::string job_name;  ///< payload.name when present
    std::string job_kind;  ///< payload.kind when present
    std::string error;
    std::string error_code;
    std::string reason;
    std::optional<std::int64_t> execution_time_ms;
    std::int64_t occurred_at_ms = 0;
    std::string occurred_at;
    /// The directory entry when the notification was made (a copy: reloads do not touch it).
    User user;
    bool known_user = false;
    ChannelSet channels;
};

/// Builds the notification for a terminal event; `user` null for an unknown user.
Notification MakeNotification(const schema::Event& event, JobOutcome outcome, const User* user,
                              std::string_view traceparent);

/// "Job nightly-build (job-42) completed"
std::string Title(const Notification& n);
/// The readable text: job, outcome, duration / error / reason, when, link. Lines end in "\n".
std::string TextBody(const Notification& n, std::string_view link_base_url);
/// "1 h 2 min 3.456 s"
std::string FormatDuration(std::int64_t ms);

/// A complete RFC 5322 message (CRLF lines, UTF-8 text/plain, encoded-word subject when not
/// ASCII). Message-ID is derived from the event id, so a repeated send after a crash is
/// recognisable as the same message.
std::string EmailMessage(const Notification& n, std::string_view from, std::string_view link_base_url,
                         std::int64_t now_ms);

/// The webhook body: {"id","type","event_id","event_type","job_id","user_id","outcome",...}.
std::string WebhookBody(const Notification& n, std::string_view link_base_url);

/// The WebSocket frame: {"type":"notification","notification":{...}}.
std::string WebSocketFrame(const Notification& n, std::string_view link_base_url);

/// A stable id for (source event, channel): a UUID (version 8, RFC 9562) from SHA-256, used as
/// the receipt's event_id, the webhook's delivery id and the mail's Message-ID, so repeats after
/// a crash carry the same id and receivers can drop them.
std::string DeliveryId(std::string_view event_id, schema::Channel channel);

}  // namespace cosmic::notification
