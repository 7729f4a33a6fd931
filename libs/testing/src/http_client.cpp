#include "cosmic/testing/http_client.hpp"

#include <curl/curl.h>
#include <strings.h>

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>

namespace cosmic::testing {
namespace {

void GlobalInitOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            throw std::runtime_error("curl_global_init failed");
        }
    });
}

std::size_t AppendBody(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

std::size_t AppendHeader(char* data, std::size_t size, std::size_t count, void* user) {
    auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
    std::string_view line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {
        headers->clear();  // a new response (after 100 Continue or a redirect)
        return size * count;
    }
    const std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
        std::string_view value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') {
            value.remove_prefix(1);
        }
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) {
            value.remove_suffix(1);
        }
        headers->emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    return size * count;
}

struct Upload {
    std::string_view data;
    std::size_t offset = 0;
};

std::size_t ReadUpload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* upload = static_cast<Upload*>(user);
    // Small pieces so a chunked body really arrives as many chunks.
    const std::size_t n = std::min({size * count, upload->data.size() - upload->offset, std::size_t{4096}});
    std::memcpy(buffer, upload->data.data() + upload->offset, n);
    upload->offset += n;
    return n;
}

class HeaderList {
  public:
    HeaderList() = default;
    ~HeaderList() { curl_slist_free_all(list_); }
    HeaderList(const HeaderList&) = delete;
    HeaderList& operator=(const HeaderList&) = delete;

    void Add(const std::string& line) {
        curl_slist* grown = curl_slist_append(list_, line.c_str());
        if (grown == nullptr) {
            throw std::bad_alloc();
        }
        list_ = grown;
    }
    curl_slist* Get() const { return list_; }

  private:
    curl_slist* list_ = nullptr;
};

bool SendsBody(const HttpRequest& request) {
    return !request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH";
}

/// Runs `request` on a fresh `curl` handle.
HttpResponse Perform(CURL* curl, const std::string& url, const HttpRequest& request) {
    HttpResponse response;
    HeaderList headers;
    for (const std::string& header : request.headers) {
        headers.Add(header);
    }
    if (!request.bearer_token.empty()) {
        headers.Add("Authorization: Bearer " + request.bearer_token);
    }
    if (!request.content_type.empty()) {
        headers.Add("Content-Type: " + request.content_type);
    }
    Upload upload{request.body, 0};
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &AppendHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    if (request.method == "HEAD") {
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.chunked) {
        headers.Add("Transfer-Encoding: chunked");
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_READFUNCTION, &ReadUpload);
        curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else if (SendsBody(request)) {
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    } else {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.Get());
    const CURLcode code = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
    if (code != CURLE_OK) {
        // A status that did arrive stays (the server closed mid-body); the error says why it ended.
        response.error = curl_easy_strerror(code);
        if (response.status == 0) {
            response.body.clear();
            response.headers.clear();
        }
    }
    return response;
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (key.size() == name.size() && strncasecmp(key.data(), name.data(), name.size()) == 0) {
            return value;
        }
    }
    return {};
}

std::string HttpResponse::Describe() const {
    if (status == 0) {
        return "no response: " + error;
    }
    return "status " + std::to_string(status) + ": " + body.substr(0, 2000);
}

std::string LocalUrl(int port) { return "http://127.0.0.1:" + std::to_string(port); }

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
            out += kHex[u >> 4U];
            out += kHex[u & 15U];
        }
    }
    return out;
}

HttpResponse HttpCall(const std::string& url, const HttpRequest& request) {
    GlobalInitOnce();
    CURL* curl = curl_easy_init();
    if (curl == nullptr) {
        throw std::runtime_error("curl_easy_init failed");
    }
    HttpResponse response = Perform(curl, url, request);
    curl_easy_cleanup(curl);
    return response;
}

HttpClient::HttpClient(std::string base_url, std::chrono::milliseconds timeout)
    : base_url_(std::move(base_url)), timeout_(timeout) {}

HttpClient::HttpClient(int port, std::chrono::milliseconds timeout) : HttpClient(LocalUrl(port), timeout) {}

HttpResponse HttpClient::Get(std::string_view path, std::string_view token) const {
    return Call("GET", path, {}, token);
}

HttpResponse HttpClient::Post(std::string_view path, std::string_view json, std::string_view token) const {
    return Call("POST", path, json, token);
}

HttpResponse HttpClient::Call(std::string_view method, std::string_view path, std::string_view json,
                              std::string_view token, std::vector<std::string> headers) const {
    HttpRequest request;
    request.method = std::string(method);
    request.body = std::string(json);
    if (!json.empty()) {
        request.content_type = "application/json";
    }
    request.bearer_token = std::string(token);
    request.headers = std::move(headers);
    return Send(path, std::move(request));
}

HttpResponse HttpClient::Send(std::string_view path, HttpRequest request) const {
    request.timeout = timeout_;
    return HttpCall(base_url_ + std::string(path), request);
}

}  // namespace cosmic::testing
