#include "http_client.hpp"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

namespace cosmic::e2e {
namespace {

void GlobalInitOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("e2e: curl_global_init failed");
        }
    });
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

struct HeaderList {
    curl_slist* list = nullptr;
    ~HeaderList() { curl_slist_free_all(list); }
    void Add(const std::string& line) {
        curl_slist* grown = curl_slist_append(list, line.c_str());
        if (grown == nullptr) {
            throw std::bad_alloc();
        }
        list = grown;
    }
};

}  // namespace

std::string HttpResult::Describe() const {
    if (status == 0) {
        return "no response: " + error;
    }
    return "status " + std::to_string(status) + ": " + body.substr(0, 2000);
}

HttpClient::HttpClient(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {
    GlobalInitOnce();
    curl_ = curl_easy_init();
    if (curl_ == nullptr) {
        throw std::runtime_error("e2e: curl_easy_init failed");
    }
}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResult HttpClient::Get(std::string_view path, std::string_view token) { return Perform(path, nullptr, token); }

HttpResult HttpClient::Post(std::string_view path, std::string_view json_body, std::string_view token) {
    const std::string body(json_body);
    return Perform(path, &body, token);
}

HttpResult HttpClient::Perform(std::string_view path, const std::string* body, std::string_view token) {
    CURL* curl = static_cast<CURL*>(curl_);
    curl_easy_reset(curl);  // keeps the connection cache
    const std::string url = base_url_ + std::string(path);
    HttpResult result;
    HeaderList headers;
    if (!token.empty()) {
        headers.Add("Authorization: Bearer " + std::string(token));
    }
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result.body);
    if (body != nullptr) {
        headers.Add("Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(body->size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.list);
    const CURLcode code = curl_easy_perform(curl);
    if (code != CURLE_OK) {
        result.error = curl_easy_strerror(code);
        result.body.clear();
        return result;
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &result.status);
    return result;
}

std::string UrlEncode(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '-' || u == '_' ||
            u == '.' || u == '~') {
            out += c;
        } else {
            out += '%';
            out += kHex[u >> 4];
            out += kHex[u & 15];
        }
    }
    return out;
}

}  // namespace cosmic::e2e
