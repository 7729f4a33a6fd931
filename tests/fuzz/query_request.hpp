#pragma once
// The request a query-string target sends: a GET of `path` whose raw query string is the input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "cosmic/telemetry/http_server.hpp"

namespace cosmic::fuzz {

inline telemetry::HttpRequest QueryRequest(std::string path, const std::uint8_t* data, std::size_t size) {
    telemetry::HttpRequest request;
    request.method = "GET";
    request.path = std::move(path);
    request.query.assign(reinterpret_cast<const char*>(data), size);
    return request;
}

}  // namespace cosmic::fuzz
