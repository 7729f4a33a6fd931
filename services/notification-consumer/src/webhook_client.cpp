#include "cosmic/notification_consumer/webhook_client.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

#include "curl_support.hpp"

#ifndef COSMIC_VERSION
#define COSMIC_VERSION "0.0.0"
#endif

namespace cosmic::notification {

namespace {

std::size_t Discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }

}  // namespace

std::string WebhookSignature(std::string_view secret, std::string_view timestamp, std::string_view body) {
    std::string signed_text;
    signed_text.reserve(timestamp.size() + 1 + body.size());
    signed_text.append(timestamp).push_back('.');
    signed_text.append(body);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), digest, &length);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "sha256=";
    for (unsigned int i = 0; i < length; ++i) {
        out.push_back(kHex[digest[i] >> 4]);
        out.push_back(kHex[digest[i] & 0x0F]);
    }
    return out;
}

WebhookClient::WebhookClient(WebhookSettings settings, const std::atomic<bool>* abort)
    : settings_(settings), abort_(abort) {
    detail::EnsureCurlGlobal();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

WebhookClient::~WebhookClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

SendResult WebhookClient::Post(const std::string& url, std::string_view secret, std::string_view body,
                               std::string_view delivery_id, std::int64_t now_ms) {
    CURL* curl = static_cast<CURL*>(curl_);
    curl_easy_reset(curl);
    char error[CURL_ERROR_SIZE] = {};
    const std::string timestamp = std::to_string(now_ms / 1000);
    curl_slist* headers = nullptr;
    auto add = [&](std::string_view name, std::string_view value) {
        std::string line(name);
        line.append(": ").append(value);
        headers = curl_slist_append(headers, line.c_str());
    };
    add("Content-Type", "application/json");
    add("User-Agent", "cosmic-notification-consumer/" COSMIC_VERSION);
    add(kTimestampHeader, timestamp);
    add(kSignatureHeader, WebhookSignature(secret, timestamp, body));
    add(kDeliveryHeader, delivery_id);
    add("Expect", "");  // no 100-continue round trip for small bodies
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 2L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings_.connect_timeout.count()));
    detail::SetAbort(curl, abort_);

    const CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    if (code != CURLE_OK) {
        std::string why = detail::CurlError("webhook", code, error);
        if (code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT) {
            return SendResult::Permanent(std::move(why));
        }
        return SendResult::Retry(std::move(why));
    }
    if (status >= 200 && status < 300) return SendResult::Sent();
    std::string why = "webhook: HTTP " + std::to_string(status);
    if (status == 408 || status == 429 || status >= 500) return SendResult::Retry(std::move(why));
    return SendResult::Permanent(std::move(why));
}

}  // namespace cosmic::notification
