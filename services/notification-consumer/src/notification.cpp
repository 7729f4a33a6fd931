#include "cosmic/notification_consumer/notification.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <simdjson.h>

#include <array>
#include <cstdio>

#include "cosmic/schema/writer.hpp"

namespace cosmic::notification {

namespace {

void AppendField(std::string& out, std::string_view label, std::string_view value) {
    out.append(label).append(": ").append(value).push_back('\n');
}

/// Header-safe: no CR/LF or other controls (a job name must not add mail headers).
std::string Sanitize(std::string_view text, std::size_t max = 200) {
    std::string out;
    out.reserve(std::min(text.size(), max));
    for (const char c : text.substr(0, max)) {
        out.push_back(static_cast<unsigned char>(c) < 0x20 || c == 0x7f ? ' ' : c);
    }
    return out;
}

bool IsAscii(std::string_view text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) >= 0x80) return false;
    }
    return true;
}

std::string Base64(std::string_view bytes) {
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

/// RFC 2047 encoded-word for a non-ASCII header value.
std::string HeaderText(std::string_view text) {
    if (IsAscii(text)) return std::string(text);
    return "=?UTF-8?B?" + Base64(text) + "?=";
}

std::string RfcDate(std::int64_t ms) {
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    char buffer[64];
    std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
    return buffer;
}

std::string Link(const Notification& n, std::string_view base) {
    if (base.empty()) return {};
    return std::string(base) + n.job_id;
}

void WriteCommon(schema::JsonWriter& w, const Notification& n, std::string_view link_base_url) {
    w.Key("event_id").String(n.event_id);
    w.Key("event_type").String(n.event_type);
    w.Key("job_id").String(n.job_id);
    w.Key("user_id").String(n.user_id);
    w.Key("outcome").String(ToString(n.outcome));
    w.Key("title").String(Title(n));
    if (!n.job_name.empty()) w.Key("job_name").String(n.job_name);
    if (!n.job_kind.empty()) w.Key("job_kind").String(n.job_kind);
    if (n.execution_time_ms) w.Key("execution_time_ms").Int(*n.execution_time_ms);
    if (!n.error.empty()) w.Key("error").String(n.error);
    if (!n.error_code.empty()) w.Key("error_code").String(n.error_code);
    if (!n.reason.empty()) w.Key("reason").String(n.reason);
    w.Key("occurred_at").String(n.occurred_at);
    w.Key("correlation_id").String(n.correlation_id);
    if (!link_base_url.empty()) w.Key("link").String(Link(n, link_base_url));
}

}  // namespace

std::string_view ToString(JobOutcome outcome) noexcept {
    switch (outcome) {
        case JobOutcome::kCompleted:
            return "completed";
        case JobOutcome::kFailed:
            return "failed";
        case JobOutcome::kCancelled:
            return "cancelled";
    }
    return "unknown";
}

Notification MakeNotification(const schema::Event& event, JobOutcome outcome, const User* user,
                              std::string_view traceparent) {
    Notification n;
    n.event_id = event.event_id;
    n.event_type = event.event_type;
    n.job_id = event.job_id;
    n.user_id = event.user_id;
    n.correlation_id = event.correlation_id;
    n.traceparent = traceparent;
    n.outcome = outcome;
    n.error = event.error;
    n.error_code = event.error_code;
    n.reason = event.reason;
    n.execution_time_ms = event.execution_time_ms;
    n.occurred_at_ms = event.occurred_at_ms;
    n.occurred_at = event.occurred_at;
    // The orchestrator puts the job's name and kind in every lifecycle payload; other producers
    // may not, and the message then names the job by id only.
    simdjson::dom::parser parser;
    simdjson::dom::object payload;
    if (parser.parse(event.payload).get_object().get(payload) == simdjson::SUCCESS) {
        std::string_view text;
        if (payload["name"].get_string().get(text) == simdjson::SUCCESS) n.job_name = Sanitize(text);
        if (payload["kind"].get_string().get(text) == simdjson::SUCCESS) n.job_kind = Sanitize(text, 64);
    }
    if (user != nullptr) {
        n.user = *user;
        n.known_user = true;
    }
    n.channels = ChannelsFor(user);
    return n;
}

std::string FormatDuration(std::int64_t ms) {
    if (ms < 0) ms = 0;
    const std::int64_t hours = ms / 3'600'000;
    const std::int64_t minutes = (ms / 60'000) % 60;
    const std::int64_t millis = ms % 60'000;
    std::string out;
    if (hours > 0) out += std::to_string(hours) + " h ";
    if (hours > 0 || minutes > 0) out += std::to_string(minutes) + " min ";
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%lld.%03lld s", static_cast<long long>(millis / 1000),
                  static_cast<long long>(millis % 1000));
    return out + seconds;
}

std::string Title(const Notification& n) {
    std::string title = "Job ";
    if (!n.job_name.empty()) {
        title += n.job_name + " (" + Sanitize(n.job_id, 256) + ")";
    } else {
        title += Sanitize(n.job_id, 256);
    }
    title.push_back(' ');
    title += ToString(n.outcome);
    return title;
}

std::string TextBody(const Notification& n, std::string_view link_base_url) {
    std::string out;
    out += Title(n) + ".\n\n";
    AppendField(out, "Job id", n.job_id);
    if (!n.job_name.empty()) AppendField(out, "Name", n.job_name);
    if (!n.job_kind.empty()) AppendField(out, "Kind", n.job_kind);
    AppendField(out, "Outcome", ToString(n.outcome));
    if (n.execution_time_ms) AppendField(out, "Duration", FormatDuration(*n.execution_time_ms));
    if (n.outcome == JobOutcome::kFailed) {
        AppendField(out, "Error", n.error.empty() ? "(none given)" : n.error);
        if (!n.error_code.empty()) AppendField(out, "Error code", n.error_code);
    }
    if (n.outcome == JobOutcome::kCancelled) AppendField(out, "Reason", n.reason.empty() ? "(none given)" : n.reason);
    AppendField(out, "When", n.occurred_at);
    if (!link_base_url.empty()) AppendField(out, "Details", Link(n, link_base_url));
    out += "\n-- \nCosmic Horizons notifications. Change your channels in the user directory.\n";
    return out;
}

std::string EmailMessage(const Notification& n, std::string_view from, std::string_view link_base_url,
                         std::int64_t now_ms) {
    std::string body = TextBody(n, link_base_url);
    std::string message;
    message.reserve(body.size() + 512);
    auto header = [&](std::string_view name, std::string_view value) {
        message.append(name).append(": ").append(value).append("\r\n");
    };
    header("From", "Cosmic Horizons <" + std::string(from) + ">");
    header("To", "<" + n.user.email + ">");
    header("Subject", HeaderText(Title(n)));
    header("Date", RfcDate(now_ms));
    header("Message-ID", "<" + DeliveryId(n.event_id, schema::Channel::kEmail) + "@cosmic-horizons>");
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=utf-8");
    header("Content-Transfer-Encoding", "8bit");
    header("X-Cosmic-Event-Id", Sanitize(n.event_id, 256));
    header("X-Cosmic-Job-Id", Sanitize(n.job_id, 256));
    message.append("\r\n");
    // CRLF line ends; libcurl escapes a leading '.' (SMTP dot-stuffing) itself.
    for (const char c : body) {
        if (c == '\n') {
            message.append("\r\n");
        } else if (c != '\r') {
            message.push_back(c);
        }
    }
    return message;
}

std::string WebhookBody(const Notification& n, std::string_view link_base_url) {
    std::string out;
    schema::JsonWriter w(out);
    w.BeginObject();
    w.Key("id").String(DeliveryId(n.event_id, schema::Channel::kWebhook));
    w.Key("type").String("job.notification");
    WriteCommon(w, n, link_base_url);
    w.EndObject();
    return out;
}

std::string WebSocketFrame(const Notification& n, std::string_view link_base_url) {
    std::string out;
    schema::JsonWriter w(out);
    w.BeginObject();
    w.Key("type").String("notification");
    w.Key("notification").BeginObject();
    w.Key("id").String(DeliveryId(n.event_id, schema::Channel::kWebsocket));
    WriteCommon(w, n, link_base_url);
    w.EndObject();
    w.EndObject();
    return out;
}

std::string DeliveryId(std::string_view event_id, schema::Channel channel) {
    std::array<unsigned char, SHA256_DIGEST_LENGTH> digest{};
    std::string input(event_id);
    input.push_back('\n');
    input.append(schema::ToString(channel));
    SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x80);  // version 8
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);  // RFC 9562 variant
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0x0F]);
    }
    return out;
}

}  // namespace cosmic::notification
