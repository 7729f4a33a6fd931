#include "json.hpp"

#include <stdexcept>

namespace cosmic::e2e {

JsonDoc::JsonDoc(std::string_view text) {
    simdjson::padded_string padded(text);
    // parse() of a padded_string copies nothing; the document lives in parser_.
    if (const auto error = parser_.parse(padded).get(root_); error != simdjson::SUCCESS) {
        throw std::runtime_error("e2e: not JSON (" + std::string(simdjson::error_message(error)) +
                                 "): " + std::string(text.substr(0, 500)));
    }
}

std::optional<std::string> StringField(simdjson::dom::element object, std::string_view key) {
    std::string_view value;
    if (object[key].get_string().get(value) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return std::string(value);
}

std::optional<std::int64_t> IntField(simdjson::dom::element object, std::string_view key) {
    std::int64_t value = 0;
    if (object[key].get_int64().get(value) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return value;
}

std::optional<bool> BoolField(simdjson::dom::element object, std::string_view key) {
    bool value = false;
    if (object[key].get_bool().get(value) != simdjson::SUCCESS) {
        return std::nullopt;
    }
    return value;
}

}  // namespace cosmic::e2e
