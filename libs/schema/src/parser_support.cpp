// The parser's cold parts: violation texts (simdjson errors, allowed names) and the JSON number
// grammar for numbers simdjson cannot convert.

#include "parser_support.hpp"

#include <string>
#include <utility>

namespace cosmic::schema {

std::string Violation::ToString() const {
    if (field.empty()) {
        return reason;
    }
    std::string text;
    text.reserve(field.size() + 2 + reason.size());
    text.append(field).append(": ").append(reason);
    return text;
}

namespace parser_detail {

std::string Join(std::span<const std::string_view> names) {
    std::string text;
    for (const auto name : names) {
        if (!text.empty()) {
            text.push_back('|');
        }
        text.append(name);
    }
    return text;
}

// JSON number grammar, for numbers simdjson cannot convert (integers beyond 64 bits, 1e999): they are
// valid JSON and may pass through an unknown field or a payload unchanged.
bool IsJsonNumber(std::string_view text) noexcept {
    std::size_t i = 0;
    const auto digits = [&] {
        const std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
        }
        return i > start;
    };
    if (i < text.size() && text[i] == '-') {
        ++i;
    }
    if (i < text.size() && text[i] == '0') {
        ++i;
    } else if (!digits()) {
        return false;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        if (!digits()) {
            return false;
        }
    }
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
            ++i;
        }
        if (!digits()) {
            return false;
        }
    }
    return i == text.size();
}

Violation JsonViolation(simdjson::error_code error, std::string_view field, std::size_t max_depth) {
    const auto Fail = [&](std::string reason) { return Violation{std::string(field), std::move(reason)}; };
    switch (error) {
        case simdjson::UTF8_ERROR:
            return Violation{"", "invalid UTF-8"};
        case simdjson::UNESCAPED_CHARS:
            return Violation{"", "unescaped control character in string"};
        case simdjson::EMPTY:
            return Violation{"", "empty"};
        case simdjson::DEPTH_ERROR:
            return Fail("nesting deeper than " + std::to_string(max_depth) + " levels");
        case simdjson::INCOMPLETE_ARRAY_OR_OBJECT:
        case simdjson::TAPE_ERROR:
            return Fail("malformed or truncated JSON");
        case simdjson::STRING_ERROR:
            return Fail("invalid string escape");
        case simdjson::NUMBER_ERROR:
            return Fail("invalid number");
        case simdjson::T_ATOM_ERROR:
        case simdjson::F_ATOM_ERROR:
        case simdjson::N_ATOM_ERROR:
            return Fail("invalid literal");
        default:
            return Fail(std::string("invalid JSON: ") + simdjson::error_message(error));
    }
}

}  // namespace parser_detail
}  // namespace cosmic::schema
