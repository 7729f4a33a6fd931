#pragma once
// libcurl bits shared by the SMTP and webhook clients (private to the service library).

#include <curl/curl.h>

#include <atomic>
#include <string>
#include <string_view>

namespace cosmic::notification::detail {

/// curl_global_init once per process, before the first easy handle.
void EnsureCurlGlobal();

/// CURLOPT_XFERINFOFUNCTION: a non-zero return aborts the transfer.
int AbortCheck(void* abort_flag, curl_off_t, curl_off_t, curl_off_t, curl_off_t);

/// Installs AbortCheck for `abort` (null: no check).
void SetAbort(CURL* curl, const std::atomic<bool>* abort);

/// "<what>: <curl's message>" with the error buffer when it has more.
std::string CurlError(std::string_view what, CURLcode code, const char* buffer);

}  // namespace cosmic::notification::detail
