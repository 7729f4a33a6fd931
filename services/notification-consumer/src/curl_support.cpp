#include "curl_support.hpp"

#include <mutex>
#include <stdexcept>

namespace cosmic::notification::detail {

void EnsureCurlGlobal() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    });
}

int AbortCheck(void* abort_flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* flag = static_cast<const std::atomic<bool>*>(abort_flag);
    return flag != nullptr && flag->load(std::memory_order_relaxed) ? 1 : 0;
}

void SetAbort(CURL* curl, const std::atomic<bool>* abort) {
    if (abort == nullptr) return;
    curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, &AbortCheck);
    curl_easy_setopt(curl, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(abort));
}

std::string CurlError(std::string_view what, CURLcode code, const char* buffer) {
    std::string out(what);
    out += ": ";
    out += (buffer != nullptr && buffer[0] != '\0') ? buffer : curl_easy_strerror(code);
    return out;
}

}  // namespace cosmic::notification::detail
