#pragma once
// A minimal blocking HTTP client over libcurl for the API tests.

#include <curl/curl.h>

#include <string>
#include <utility>
#include <vector>

namespace cosmic::orchestrator::testing {

struct HttpReply {
    long status = 0;
    std::string body;
    std::vector<std::string> headers;  ///< raw "Name: value" lines

    /// The value of the first header named `name` (case-insensitive), or "".
    std::string Header(const std::string& name) const {
        for (const std::string& line : headers) {
            if (line.size() > name.size() && line[name.size()] == ':' &&
                strncasecmp(line.c_str(), name.c_str(), name.size()) == 0) {
                std::string value = line.substr(name.size() + 1);
                while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
                while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
                return value;
            }
        }
        return "";
    }
};

inline HttpReply Http(const std::string& method, const std::string& url, const std::string& body = "",
                      const std::vector<std::string>& headers = {}) {
    HttpReply reply;
    CURL* curl = curl_easy_init();
    if (curl == nullptr) return reply;
    curl_slist* list = nullptr;
    for (const std::string& header : headers) list = curl_slist_append(list, header.c_str());
    if (!body.empty()) list = curl_slist_append(list, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (method == "POST" || !body.empty()) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    }
    curl_easy_setopt(
        curl, CURLOPT_WRITEFUNCTION, +[](char* data, size_t size, size_t count, void* out) {
            static_cast<std::string*>(out)->append(data, size * count);
            return size * count;
        });
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
    curl_easy_setopt(
        curl, CURLOPT_HEADERFUNCTION, +[](char* data, size_t size, size_t count, void* out) {
            static_cast<std::vector<std::string>*>(out)->emplace_back(data, size * count);
            return size * count;
        });
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
    if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
    curl_slist_free_all(list);
    curl_easy_cleanup(curl);
    return reply;
}

}  // namespace cosmic::orchestrator::testing
