#include "cosmic/notification_consumer/smtp_client.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "curl_support.hpp"

namespace cosmic::notification {

namespace {

struct Upload {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
    std::memcpy(buffer, upload->data.data() + upload->offset, n);
    upload->offset += n;
    return n;
}

}  // namespace

SmtpClient::SmtpClient(SmtpSettings settings, const std::atomic<bool>* abort)
    : settings_(std::move(settings)), abort_(abort) {
    detail::EnsureCurlGlobal();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) throw std::runtime_error("curl_easy_init failed");
}

SmtpClient::~SmtpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

SendResult SmtpClient::Send(std::string_view to, std::string_view message) {
    if (!Configured()) return SendResult::Permanent("email is not configured (smtp.url is empty)");
    CURL* curl = static_cast<CURL*>(curl_);
    // Reset clears the options of the previous mail but keeps the open connection.
    curl_easy_reset(curl);
    char error[CURL_ERROR_SIZE] = {};
    const std::string from = "<" + settings_.from + ">";
    const std::string rcpt = "<" + std::string(to) + ">";
    curl_slist* recipients = curl_slist_append(nullptr, rcpt.c_str());
    Upload upload{message, 0};
    curl_easy_setopt(curl, CURLOPT_URL, settings_.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
    curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXCONNECTS, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(settings_.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<long long>(settings_.timeout.count(), 5000)));
    if (settings_.url.starts_with("smtp://")) {
        const long use_ssl = settings_.starttls == StartTls::kRequired        ? CURLUSESSL_ALL
                             : settings_.starttls == StartTls::kOpportunistic ? CURLUSESSL_TRY
                                                                              : CURLUSESSL_NONE;
        curl_easy_setopt(curl, CURLOPT_USE_SSL, use_ssl);
    }
    if (!settings_.username.empty()) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, settings_.username.c_str());
        curl_easy_setopt(curl, CURLOPT_PASSWORD, settings_.password.c_str());
    }
    if (!settings_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, settings_.ca_file.c_str());
    detail::SetAbort(curl, abort_);

    const CURLcode code = curl_easy_perform(curl);
    long reply = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_slist_free_all(recipients);
    if (code == CURLE_OK) return SendResult::Sent();
    std::string why = detail::CurlError("smtp", code, error);
    if (reply > 0) why += " (last reply " + std::to_string(reply) + ")";
    // 5xx is the server's final word (no such mailbox, relay denied, auth failed); 4xx and
    // transport failures heal.
    if (reply >= 500 && reply < 600) return SendResult::Permanent(std::move(why));
    if (code == CURLE_LOGIN_DENIED || code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT) {
        return SendResult::Permanent(std::move(why));
    }
    return SendResult::Retry(std::move(why));
}

}  // namespace cosmic::notification
